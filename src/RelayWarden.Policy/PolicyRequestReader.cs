using System.Text;

namespace RelayWarden.Policy;

/// <summary>
/// Parses policy-delegation requests from the bytes a connection received: <c>name=value</c> lines
/// ending in LF (a CR before it is tolerated), a blank line ends the request. Fed what the transport
/// read; a request may span several reads (its state is kept between calls). Limits are enforced
/// while parsing. Only the attributes RelayWarden uses become strings; the rest are skipped without
/// allocating.
/// </summary>
internal sealed class PolicyRequestReader(PolicyLimits limits)
{
    // The last value of each attribute on this connection: Postfix repeats most of them request
    // after request (client, HELO, sender, login, the message's instance at RCPT and END-OF-MESSAGE),
    // and an equal value is the same string again instead of a new one per request.
    private readonly Dictionary<string, string> _last = new(ReferenceEqualityComparer.Instance as IEqualityComparer<string>);
    private bool _any;
    private bool _garbage;
    private int _attributes;

    /// <summary>True when a request has begun (some of its lines were parsed).</summary>
    public bool InRequest => _any;

    /// <summary>
    /// Parses lines from the front of <paramref name="input"/> into <paramref name="request"/> until a
    /// request ends; <paramref name="consumed"/> is how many octets were used. Returns null when the
    /// input ends before the request (the partial line stays unconsumed), else what the request gave
    /// (<see cref="PolicyReadResult.Request"/>, <see cref="PolicyReadResult.Garbage"/>,
    /// <see cref="PolicyReadResult.TooManyAttributes"/> or <see cref="PolicyReadResult.LineTooLong"/>).
    /// </summary>
    public PolicyReadResult? Parse(ReadOnlySpan<byte> input, PolicyRequest request, out int consumed)
    {
        consumed = 0;
        if (!_any)
        {
            request.Clear();
        }

        while (true)
        {
            var pending = input[consumed..];
            int lf = pending.IndexOf((byte)'\n');
            if (lf < 0)
            {
                return pending.Length > limits.MaxLineBytes ? Finish(PolicyReadResult.LineTooLong) : null;
            }

            var line = pending[..lf];
            consumed += lf + 1;
            if (line.Length > limits.MaxLineBytes)
            {
                return Finish(PolicyReadResult.LineTooLong);
            }

            if (line.Length == 0 || (line.Length == 1 && line[0] == (byte)'\r'))
            {
                if (!_any || _garbage)
                {
                    return Finish(PolicyReadResult.Garbage);
                }

                return Finish(_attributes > limits.MaxAttributes ? PolicyReadResult.TooManyAttributes : PolicyReadResult.Request);
            }

            if (!_any)
            {
                _any = true;
            }

            if (++_attributes > limits.MaxAttributes)
            {
                continue;
            }

            if (!TryAddAttribute(line, request))
            {
                _garbage = true;
            }
        }
    }

    private PolicyReadResult Finish(PolicyReadResult result)
    {
        _any = false;
        _garbage = false;
        _attributes = 0;
        return result;
    }

    private bool TryAddAttribute(ReadOnlySpan<byte> line, PolicyRequest request)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        int equals = line.IndexOf((byte)'=');
        if (equals <= 0)
        {
            return false;
        }

        var name = line[..equals];
        if (PolicyAttributes.Lookup(name) is not { } known)
        {
            return true; // well-formed, not used by RelayWarden
        }

        var value = line[(equals + 1)..];
        request.TryAdd(known, Text(known, value));
        return true;
    }

    private string Text(string name, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }

        if (PolicyAttributes.CommonValue(value) is { } common)
        {
            return common;
        }

        if (_last.TryGetValue(name, out var last) && Ascii.Equals(value, last))
        {
            return last;
        }

        string text = Encoding.UTF8.GetString(value);
        _last[name] = text;
        return text;
    }
}
