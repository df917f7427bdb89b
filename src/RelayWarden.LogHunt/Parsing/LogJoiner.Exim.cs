using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Parsing;

/// <summary>
/// Exim mainlog: <c>ID &lt;= sender H=name [ip] P=esmtpsa A=authenticator:login S=size id=msgid T="subject" [for r ...]</c>,
/// then <c>ID =&gt; / -&gt; / *&gt; rcpt</c> (delivered), <c>ID == rcpt</c> (deferred), <c>ID ** rcpt</c> (bounced),
/// <c>ID Completed</c>; and <c>H=... [ip] F=&lt;sender&gt; rejected RCPT &lt;rcpt&gt;: reason</c> without an id.
/// </summary>
public sealed partial class LogJoiner
{
    private const string EximHost = "exim";

    private void FeedExim(ref LogLine line)
    {
        var message = line.Message;
        var time = line.Time;
        if (!TryEximId(message, out var id))
        {
            int rejected = message.IndexOf(" rejected RCPT "u8);
            if (rejected >= 0)
            {
                Statistics.Rejects++;
                var rest = message[(rejected + 15)..];
                string? to = rest.Length > 0 && rest[0] == (byte)'<' && Ascii.TryAngle(rest, "<"u8, out var t) ? Ascii.Lower(t) : null;
                string? sender = Ascii.TryAngle(message, " F=<"u8, out var f) ? Ascii.Lower(f) : null;
                string? ip = EximClientIp(message);
                string? login = EximLogin(message);
                int colon = rest.IndexOf(": "u8);
                _sink.Rejected(new SmtpReject(time, EximHost, ip, login, sender, to, colon < 0 ? string.Empty : Ascii.Text(rest[(colon + 2)..])));
            }
            else
            {
                Statistics.Ignored++;
            }

            return;
        }

        var body = message.Length > id.Length + 1 ? message[(id.Length + 1)..] : default;
        ulong key = Key(EximHost, id);
        if (body.StartsWith("<= "u8))
        {
            var record = Open(key, EximHost, id, time);
            Arrival(record, body[3..]);
        }
        else if (body.Length > 3 && body[2] == (byte)' ' && (body.StartsWith("=>"u8) || body.StartsWith("->"u8) || body.StartsWith("*>"u8) || body.StartsWith("=="u8) || body.StartsWith("**"u8)))
        {
            if (TryGet(key, time, out var record))
            {
                var rest = body[3..];
                int space = rest.IndexOf((byte)' ');
                var address = space < 0 ? rest : rest[..space];
                var status = body[0] == (byte)'=' && body[1] == (byte)'=' ? DeliveryStatus.Deferred
                    : body[0] == (byte)'*' && body[1] == (byte)'*' ? DeliveryStatus.Bounced
                    : DeliveryStatus.Sent;
                string? relay = null;
                int h = rest.IndexOf(" H="u8);
                if (h >= 0)
                {
                    var hostPart = rest[(h + 3)..];
                    int end = hostPart.IndexOf((byte)']');
                    relay = Ascii.Text(end < 0 ? hostPart[..Math.Max(0, hostPart.IndexOf((byte)' '))] : hostPart[..(end + 1)]);
                }

                Deliver(record, _pool.Lower(address), status, time, relay, double.NaN, null);
            }
        }
        else if (body.SequenceEqual("Completed"u8))
        {
            if (TryGet(key, time, out var record))
            {
                Complete(key, record, time);
            }
        }
        else
        {
            Statistics.Ignored++;
        }
    }

    private void Arrival(MailRecord record, ReadOnlySpan<byte> rest)
    {
        int space = rest.IndexOf((byte)' ');
        var sender = space < 0 ? rest : rest[..space];
        record.Sender = sender.SequenceEqual("<>"u8) ? string.Empty : _pool.Lower(sender);
        record.ClientIp = EximClientIp(rest);
        if (Ascii.TryField(rest, " H="u8, (byte)' ', out var name))
        {
            record.ClientName = Ascii.Text(name);
        }

        record.Login = EximLogin(rest);
        if (Ascii.TryField(rest, " S="u8, (byte)' ', out var size))
        {
            record.Size = Ascii.Long(size);
        }

        if (Ascii.TryField(rest, " id="u8, (byte)' ', out var messageId))
        {
            record.MessageId = Ascii.Text(messageId);
        }

        int subject = rest.IndexOf(" T=\""u8);
        if (subject >= 0)
        {
            var value = rest[(subject + 4)..];
            int end = 0;
            while (end < value.Length && value[end] != (byte)'"')
            {
                end += value[end] == (byte)'\\' ? 2 : 1;
            }

            record.Subject = Ascii.Text(value[..Math.Min(end, value.Length)]);
        }

        int forList = rest.LastIndexOf(" for "u8);
        if (forList >= 0)
        {
            var list = rest[(forList + 5)..];
            int count = 0;
            foreach (var range in list.Split((byte)' '))
            {
                var address = list[range];
                if (address.IndexOf((byte)'@') > 0)
                {
                    record.Recipients.Add(new RecipientRecord { Address = _pool.Lower(address) });
                    count++;
                }
            }

            record.RecipientCount = count;
        }
    }

    /// <summary>The client address of "H=name (helo) [ip]:port".</summary>
    private static string? EximClientIp(ReadOnlySpan<byte> text)
    {
        int h = text.IndexOf("H="u8);
        if (h < 0)
        {
            return null;
        }

        var rest = text[h..];
        int open = rest.IndexOf(" ["u8);
        int close = open < 0 ? -1 : rest[open..].IndexOf((byte)']');
        return close < 0 ? null : Ascii.Text(rest.Slice(open + 2, close - 2));
    }

    /// <summary>"A=authenticator:login" → login.</summary>
    private static string? EximLogin(ReadOnlySpan<byte> text)
    {
        if (!Ascii.TryField(text, " A="u8, (byte)' ', out var auth))
        {
            return null;
        }

        int colon = auth.IndexOf((byte)':');
        return colon < 0 || colon + 1 >= auth.Length ? null : Ascii.Lower(auth[(colon + 1)..]);
    }

    /// <summary>Exim message ids: "xxxxxx-xxxxxx-xx" (16) or the 4.97 form "xxxxxx-xxxxxxxxxxx-xxxx" (23).</summary>
    private static bool TryEximId(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> id)
    {
        id = default;
        int space = message.IndexOf((byte)' ');
        var token = space < 0 ? message : message[..space];
        if ((token.Length == 16 && token[6] == (byte)'-' && token[13] == (byte)'-') ||
            (token.Length == 23 && token[6] == (byte)'-' && token[18] == (byte)'-'))
        {
            id = token;
            return true;
        }

        return false;
    }
}
