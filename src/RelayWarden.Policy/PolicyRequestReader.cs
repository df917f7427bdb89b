using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace RelayWarden.Policy;

/// <summary>
/// Reads policy-delegation requests: <c>name=value</c> lines ending in LF (a CR before it is
/// tolerated), a blank line ends the request. Limits are enforced while reading. Only the attributes
/// RelayWarden uses become strings; the rest are skipped without allocating.
/// </summary>
internal sealed class PolicyRequestReader
{
    private readonly PipeReader _reader;
    private readonly PolicyLimits _limits;

    public PolicyRequestReader(PipeReader reader, PolicyLimits limits)
    {
        _reader = reader;
        _limits = limits;
    }

    public async ValueTask<PolicyReadResult> ReadAsync(PolicyRequest request, CancellationToken cancellationToken)
    {
        request.Clear();
        bool any = false;
        bool garbage = false;
        int attributes = 0;
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            while (TryReadLine(ref buffer, out var line))
            {
                if (line.Length > _limits.MaxLineBytes)
                {
                    _reader.AdvanceTo(buffer.Start);
                    return PolicyReadResult.LineTooLong;
                }

                if (line.Length == 0 || (line.Length == 1 && line.FirstSpan[0] == (byte)'\r'))
                {
                    _reader.AdvanceTo(buffer.Start);
                    if (!any || garbage)
                    {
                        return PolicyReadResult.Garbage;
                    }

                    return attributes > _limits.MaxAttributes ? PolicyReadResult.TooManyAttributes : PolicyReadResult.Request;
                }

                any = true;
                if (++attributes > _limits.MaxAttributes)
                {
                    continue;
                }

                if (!TryAddAttribute(line, request))
                {
                    garbage = true;
                }
            }

            if (buffer.Length > _limits.MaxLineBytes)
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
                return PolicyReadResult.LineTooLong;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return any || buffer.Length > 0 ? PolicyReadResult.Truncated : PolicyReadResult.EndOfStream;
            }
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    private static bool TryAddAttribute(ReadOnlySequence<byte> sequence, PolicyRequest request)
    {
        ReadOnlySpan<byte> line;
        if (sequence.IsSingleSegment)
        {
            line = sequence.FirstSpan;
        }
        else
        {
            byte[] array = sequence.ToArray();
            line = array;
        }

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
        string text = value.IsEmpty ? string.Empty : Encoding.UTF8.GetString(value);
        request.TryAdd(known, text);
        return true;
    }
}
