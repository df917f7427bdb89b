using System.Runtime.CompilerServices;
using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Parsing;

/// <summary>Postfix lines: <c>QUEUEID: field=value, ...</c> by daemon, and <c>NOQUEUE: reject:</c>.</summary>
public sealed partial class LogJoiner
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FeedPostfix(ref LogLine line)
    {
        var message = line.Message;
        string host = HostName(line.Host);
        if (message.StartsWith("NOQUEUE: "u8))
        {
            var rest = message[9..];
            if (rest.StartsWith("reject: "u8) || rest.StartsWith("milter-reject: "u8))
            {
                NoQueueReject(host, line.Pid, rest, line.Time);
            }
            else
            {
                Statistics.Ignored++;
            }

            return;
        }

        if (!TryQueueId(message, out var id))
        {
            if (message.StartsWith("disconnect from "u8))
            {
                _sessions.Remove(SessionKey(host, line.Pid));
            }

            Statistics.Ignored++;
            return;
        }

        var body = message[(id.Length + 2)..];
        ulong key = Key(host, id);
        var time = line.Time;
        MailRecord? record;
        if (body.StartsWith("to=<"u8))
        {
            if (TryGet(key, time, out record))
            {
                Delivery(record, body, time);
            }
        }
        else if (body.StartsWith("client="u8))
        {
            record = Open(key, host, id, time);
            Client(record, body[7..], host, line.Pid, time);
        }
        else if (body.StartsWith("message-id="u8))
        {
            record = Open(key, host, id, time);
            var value = body[11..];
            if (value.Length > 1 && value[0] == (byte)'<' && value[^1] == (byte)'>')
            {
                value = value[1..^1];
            }

            record.MessageId = Ascii.Text(value);
        }
        else if (body.StartsWith("from=<"u8))
        {
            if (TryGet(key, time, out record) && Ascii.TryAngle(body, "from=<"u8, out var sender))
            {
                record.Sender = _pool.Lower(sender);
                if (Ascii.TryField(body, "size="u8, (byte)',', out var size))
                {
                    record.Size = Ascii.Long(size);
                }

                if (Ascii.TryField(body, "nrcpt="u8, (byte)' ', out var nrcpt))
                {
                    record.RecipientCount = (int)Ascii.Long(nrcpt);
                }
            }
        }
        else if (body.SequenceEqual("removed"u8))
        {
            if (TryGet(key, time, out record))
            {
                Complete(key, record, time);
            }
        }
        else if (body.StartsWith("uid="u8))
        {
            record = Open(key, host, id, time);
            int space = body.IndexOf((byte)' ');
            record.LocalUid = Ascii.Text(space < 0 ? body[4..] : body[4..space]);
            record.ClientName = "local";
            if (Ascii.TryAngle(body, "from=<"u8, out var sender))
            {
                record.Sender = _pool.Lower(sender);
            }
        }
        else if (body.StartsWith("warning: header "u8))
        {
            if (TryGet(key, time, out record))
            {
                HeaderWarning(record, body[16..]);
            }
        }
        else if (body.StartsWith("reject: "u8) || body.StartsWith("milter-reject: "u8) || body.StartsWith("discard: "u8))
        {
            if (TryGet(key, time, out record))
            {
                QueuedReject(key, record, body, time);
            }
        }
        else
        {
            Statistics.Ignored++;
        }
    }

    /// <summary>A Postfix queue id followed by ": ": short (hex, upper case) or long (alphanumerics without vowels).</summary>
    private static bool TryQueueId(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> id)
    {
        id = default;
        int colon = message.IndexOf((byte)':');
        if (colon < 5 || colon > 24 || colon + 1 >= message.Length || message[colon + 1] != (byte)' ')
        {
            return false;
        }

        var candidate = message[..colon];
        bool hex = true;
        bool longId = true;
        foreach (byte b in candidate)
        {
            bool digit = (uint)(b - '0') <= 9;
            bool upperHex = (uint)(b - 'A') <= 5;
            hex &= digit || upperHex;
            bool letter = (uint)((b | 0x20) - 'a') <= 25;
            longId &= digit || (letter && (b | 0x20) is not ((byte)'a' or (byte)'e' or (byte)'i' or (byte)'o' or (byte)'u'));
            if (!hex && !longId)
            {
                return false;
            }
        }

        id = candidate;
        return true;
    }

    private void Client(MailRecord record, ReadOnlySpan<byte> body, string host, ReadOnlySpan<byte> pid, DateTimeOffset time)
    {
        int comma = body.IndexOf((byte)',');
        if (Ascii.TryClient(comma < 0 ? body : body[..comma], out var name, out var ip))
        {
            record.ClientName = _limits.DeliveryDetails ? Ascii.Text(name) : null;
            record.ClientIp = Ascii.Text(ip);
        }

        if (Ascii.TryField(body, "sasl_username="u8, (byte)',', out var login) && login.Length > 0)
        {
            record.Login = _pool.Lower(login);
        }

        ulong sessionKey = SessionKey(host, pid);
        if (_sessions.TryGetValue(sessionKey, out var session))
        {
            record.RejectedRecipients += session.PendingRejects;
            session.PendingRejects = 0;
        }
        else
        {
            session = new SmtpSession();
            _sessions[sessionKey] = session;
        }

        session.Time = time;
        session.ClientIp = record.ClientIp;
        session.Login = record.Login;
    }

    /// <summary><c>to=&lt;r&gt;, [orig_to=&lt;o&gt;,] relay=x, delay=d, delays=a/b/c/d, dsn=x.y.z, status=word (text)</c>.</summary>
    private void Delivery(MailRecord record, ReadOnlySpan<byte> body, DateTimeOffset time)
    {
        if (!Ascii.TryAngle(body, "to=<"u8, out var to))
        {
            Statistics.Garbled++;
            return;
        }

        string? relay = _limits.DeliveryDetails && Ascii.TryField(body, ", relay="u8, (byte)',', out var r) ? Relay(r) : null;
        double delay = Ascii.TryField(body, ", delay="u8, (byte)',', out var d) ? Ascii.Double(d) : double.NaN;
        string? dsn = Ascii.TryField(body, ", dsn="u8, (byte)',', out var code) ? Dsn(code) : null;
        var status = DeliveryStatus.Pending;
        if (Ascii.TryField(body, ", status="u8, (byte)' ', out var word))
        {
            status = word.SequenceEqual("sent"u8) ? DeliveryStatus.Sent
                : word.SequenceEqual("deferred"u8) ? DeliveryStatus.Deferred
                : word.SequenceEqual("bounced"u8) ? DeliveryStatus.Bounced
                : DeliveryStatus.Pending;
        }

        Deliver(record, Ascii.Lower(to), status, time, relay, delay, dsn);
    }

    private static string Relay(ReadOnlySpan<byte> relay) => relay.SequenceEqual("none"u8) ? "none" : Ascii.Text(relay);

    private static string Dsn(ReadOnlySpan<byte> code) =>
        code.SequenceEqual("2.0.0"u8) ? "2.0.0" : code.SequenceEqual("4.4.1"u8) ? "4.4.1" : Ascii.Text(code);

    /// <summary><c>warning: header Subject: VALUE from CLIENT; from=&lt;..&gt; to=&lt;..&gt; proto=.. helo=&lt;..&gt;[: text]</c>.</summary>
    private static void HeaderWarning(MailRecord record, ReadOnlySpan<byte> rest)
    {
        bool subject = rest.StartsWith("Subject: "u8) || rest.StartsWith("subject: "u8);
        bool from = !subject && (rest.StartsWith("From: "u8) || rest.StartsWith("from: "u8));
        if (!subject && !from)
        {
            return;
        }

        var value = rest[(subject ? 9 : 6)..];
        int envelope = value.IndexOf("; from=<"u8);
        if (envelope >= 0)
        {
            value = value[..envelope];
        }

        int client = value.LastIndexOf(" from "u8);
        if (client >= 0)
        {
            value = value[..client];
        }

        if (subject)
        {
            record.Subject = Ascii.Text(value);
        }
        else
        {
            record.FromHeader = Ascii.Text(value);
        }
    }

    /// <summary>A reject after the queue id was assigned: at RCPT (one recipient refused) or of the whole message (content, milter).</summary>
    private void QueuedReject(ulong key, MailRecord record, ReadOnlySpan<byte> body, DateTimeOffset time)
    {
        bool rcpt = body.IndexOf("RCPT from "u8) is >= 0 and < 24;
        record.RejectedRecipients++;
        Statistics.Rejects++;
        string? to = Ascii.TryAngle(body, "; from=<"u8, out _) && Ascii.TryAngle(body, " to=<"u8, out var t) ? Ascii.Lower(t) : null;
        _sink.Rejected(new SmtpReject(time, record.Host, record.ClientIp, record.Login, record.Sender, to, ReplyText(body)));
        if (!rcpt)
        {
            // The whole message was refused (header/body checks, milter at end of message): it never enters the queue.
            if (to is not null && record.Find(to) is null)
            {
                record.Recipients.Add(new RecipientRecord { Address = to, Status = DeliveryStatus.Rejected, Time = time });
            }

            Complete(key, record, time);
        }
    }

    private void NoQueueReject(string host, ReadOnlySpan<byte> pid, ReadOnlySpan<byte> rest, DateTimeOffset time)
    {
        Statistics.Rejects++;
        int from = rest.IndexOf(" from "u8);
        string? ip = null;
        if (from >= 0 && Ascii.TryClient(rest[(from + 6)..], out _, out var address))
        {
            ip = Ascii.Text(address);
        }

        string? sender = Ascii.TryAngle(rest, "; from=<"u8, out var s) ? Ascii.Lower(s) : null;
        string? to = Ascii.TryAngle(rest, " to=<"u8, out var t) ? Ascii.Lower(t) : null;
        string? login = null;
        if (rest.IndexOf("RCPT from "u8) is >= 0 and < 24)
        {
            ulong sessionKey = SessionKey(host, pid);
            if (!_sessions.TryGetValue(sessionKey, out var session) || session.ClientIp != ip)
            {
                session = new SmtpSession { ClientIp = ip };
                _sessions[sessionKey] = session;
            }

            session.Time = time;
            session.PendingRejects++;
            login = session.Login;
        }

        _sink.Rejected(new SmtpReject(time, host, ip, login, sender, to, ReplyText(rest)));
    }

    /// <summary>The SMTP reply of a reject line: between "]: " and "; from=".</summary>
    private static string ReplyText(ReadOnlySpan<byte> body)
    {
        int start = body.IndexOf("]: "u8);
        var reply = start < 0 ? body : body[(start + 3)..];
        int end = reply.IndexOf("; from=<"u8);
        return Ascii.Text(end < 0 ? reply : reply[..end]);
    }

    private static ulong SessionKey(string host, ReadOnlySpan<byte> pid) => Key(host, pid) ^ 0x5bd1e995UL;
}
