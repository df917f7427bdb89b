using System.Runtime.CompilerServices;
using RelayWarden.LogHunt.Reading;
using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Parsing;

/// <summary>
/// Joins the lines of one message by (host, queue id) into a <see cref="MailRecord"/> and hands records to an
/// <see cref="IRecordSink"/> in log order. Postfix (smtpd, pickup, cleanup, qmgr, the delivery agents) and
/// Exim mainlog lines may be mixed, several hosts interleaved. Garbled and unjoinable lines are counted,
/// never fatal. Memory is bounded: a record leaves at <c>removed</c>/<c>Completed</c>, or when idle for
/// <see cref="JoinerLimits.MaxIdle"/> of log time.
/// </summary>
public sealed partial class LogJoiner
{
    private readonly IRecordSink _sink;
    private readonly SyslogHeader _header;
    private readonly JoinerLimits _limits;
    private readonly Dictionary<ulong, MailRecord> _open = [];
    private readonly Dictionary<ulong, SmtpSession> _sessions = [];
    private readonly List<(byte[] Bytes, string Name)> _hosts = [];
    private readonly StringPool _pool = new();
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;
    private DateTimeOffset _now;

    public LogJoiner(IRecordSink sink, SyslogHeader header, JoinerLimits? limits = null)
    {
        _sink = sink;
        _header = header;
        _limits = limits ?? JoinerLimits.Default;
    }

    public LogStatistics Statistics { get; } = new();

    /// <summary>Messages currently held in memory.</summary>
    public int OpenMessages => _open.Count;

    /// <summary>Log time of the latest line read.</summary>
    public DateTimeOffset Now => _now;

    /// <summary>Reads one line (without its newline).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Feed(ReadOnlySpan<byte> line)
    {
        Statistics.Lines++;
        if (!_header.TryParse(line, out var parsed))
        {
            Statistics.Garbled++;
            return;
        }

        if (parsed.Time > _now)
        {
            _now = parsed.Time;
        }

        if (_now - _lastSweep >= TimeSpan.FromMinutes(1))
        {
            Sweep(_limits.MaxIdle);
            _lastSweep = _now;
        }

        if (parsed.IsExim)
        {
            FeedExim(ref parsed);
        }
        else
        {
            FeedPostfix(ref parsed);
        }
    }

    /// <summary>Hands every open message to the sink as it is (end of input).</summary>
    public void Flush()
    {
        foreach (var (key, record) in _open)
        {
            Evict(key, record);
        }

        _sessions.Clear();
    }

    private void Evict(ulong key, MailRecord record)
    {
        _open.Remove(key);
        record.Evicted = true;
        Statistics.Evicted++;
        if (!record.Accepted)
        {
            record.Accepted = true;
            _sink.Accepted(record, record.LastTime);
        }

        _sink.Completed(record);
    }

    private void Sweep(TimeSpan idle)
    {
        var cutoff = _now - idle;
        foreach (var (key, record) in _open)
        {
            if (record.LastTime < cutoff)
            {
                Evict(key, record);
            }
        }

        foreach (var (key, session) in _sessions)
        {
            if (session.Time < cutoff)
            {
                _sessions.Remove(key);
            }
        }
    }

    private MailRecord Open(ulong key, string host, ReadOnlySpan<byte> queueId, DateTimeOffset time)
    {
        if (!_open.TryGetValue(key, out var record))
        {
            record = new MailRecord { Host = host, QueueId = Ascii.Text(queueId), FirstTime = time, LastTime = time };
            _open.Add(key, record);
            Statistics.Messages++;
            if (_open.Count > Statistics.OpenMessagesPeak)
            {
                Statistics.OpenMessagesPeak = _open.Count;
                var idle = _limits.MaxIdle;
                while (_open.Count > _limits.MaxOpenMessages && idle > TimeSpan.FromSeconds(1))
                {
                    idle /= 2;
                    Sweep(idle);
                }
            }
        }

        record.LastTime = time;
        return record;
    }

    private bool TryGet(ulong key, DateTimeOffset time, out MailRecord record)
    {
        if (_open.TryGetValue(key, out record!))
        {
            record.LastTime = time;
            return true;
        }

        Statistics.Unjoinable++;
        return false;
    }

    private void Complete(ulong key, MailRecord record, DateTimeOffset time)
    {
        _open.Remove(key);
        if (!record.Accepted)
        {
            record.Accepted = true;
            _sink.Accepted(record, time);
        }

        _sink.Completed(record);
    }

    /// <summary>A recipient's result; accepts the message once every recipient has one.</summary>
    private void Deliver(MailRecord record, string address, DeliveryStatus status, DateTimeOffset time, string? relay, double delay, string? dsn)
    {
        var recipient = record.Find(address);
        var before = recipient?.Status ?? DeliveryStatus.Pending;
        if (recipient is null)
        {
            recipient = new RecipientRecord { Address = address };
            record.Recipients.Add(recipient);
        }

        if (status != DeliveryStatus.Pending)
        {
            recipient.Status = status;
            recipient.Time = time;
        }

        recipient.Relay = relay ?? recipient.Relay;
        recipient.Dsn = dsn ?? recipient.Dsn;
        if (!double.IsNaN(delay))
        {
            recipient.Delay = delay;
        }

        if (record.Accepted)
        {
            if (status == DeliveryStatus.Bounced && before != DeliveryStatus.Bounced)
            {
                _sink.Refused(record, 1, time);
            }
        }
        else if (record.RecipientCount > 0 && record.Recipients.Count >= record.RecipientCount && AllResolved(record))
        {
            record.Accepted = true;
            _sink.Accepted(record, time);
        }
    }

    private static bool AllResolved(MailRecord record)
    {
        foreach (var recipient in record.Recipients)
        {
            if (recipient.Status == DeliveryStatus.Pending)
            {
                return false;
            }
        }

        return true;
    }

    private string HostName(ReadOnlySpan<byte> host)
    {
        foreach (var (bytes, name) in _hosts)
        {
            if (host.SequenceEqual(bytes))
            {
                return name;
            }
        }

        string text = Ascii.Text(host);
        if (_hosts.Count < 4096)
        {
            _hosts.Add((host.ToArray(), text));
        }

        return text;
    }

    private static ulong Key(string host, ReadOnlySpan<byte> id) =>
        Ascii.Hash(id) ^ ((ulong)(uint)host.GetHashCode() * 0x9E3779B97F4A7C15UL);

    /// <summary>An SMTP session of one smtpd process: its client and login, and RCPT rejects not yet tied to a queue id.</summary>
    private sealed class SmtpSession
    {
        public DateTimeOffset Time;
        public string? ClientIp;
        public string? Login;
        public int PendingRejects;
    }
}
