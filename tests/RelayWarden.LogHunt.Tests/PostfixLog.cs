using System.Globalization;
using System.Text;
using RelayWarden.LogHunt.Hunting;
using RelayWarden.LogHunt.Parsing;
using RelayWarden.LogHunt.Reading;
using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Tests;

/// <summary>Writes hand-made Postfix log lines (RFC 3164, as maillog_file writes them) for tests.</summary>
internal sealed class PostfixLog
{
    private readonly StringBuilder _text = new();
    private int _queue = 0x1000;

    public static DateTimeOffset Start { get; } = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    public static string Stamp(DateTimeOffset t) => t.Day < 10
        ? t.ToString("MMM  d HH:mm:ss", CultureInfo.InvariantCulture)
        : t.ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture);

    public PostfixLog Line(string line)
    {
        _text.Append(line).Append('\n');
        return this;
    }

    /// <summary>One message: client, cleanup, qmgr, one delivery line per recipient, removed — all at <paramref name="t"/>.</summary>
    public string Message(DateTimeOffset t, string? login, string ip, string sender, IReadOnlyList<string> recipients, string host = "mx1", string status = "sent", string? subject = null)
    {
        string q = (_queue += 0x11).ToString("X9", CultureInfo.InvariantCulture);
        string ts = Stamp(t);
        Line($"{ts} {host} postfix/smtpd[100]: connect from client.example[{ip}]");
        Line(login is null
            ? $"{ts} {host} postfix/smtpd[100]: {q}: client=client.example[{ip}]"
            : $"{ts} {host} postfix/smtpd[100]: {q}: client=client.example[{ip}], sasl_method=PLAIN, sasl_username={login}");
        if (subject is not null)
        {
            Line($"{ts} {host} postfix/cleanup[101]: {q}: warning: header Subject: {subject} from client.example[{ip}]; from=<{sender}> to=<{recipients[0]}> proto=ESMTP helo=<client>");
        }

        Line($"{ts} {host} postfix/cleanup[101]: {q}: message-id=<{q}@example.org>");
        Line($"{ts} {host} postfix/qmgr[102]: {q}: from=<{sender}>, size=1234, nrcpt={recipients.Count} (queue active)");
        Line($"{ts} {host} postfix/smtpd[100]: disconnect from client.example[{ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5");
        foreach (string r in recipients)
        {
            string dsn = status == "sent" ? "2.0.0" : status == "deferred" ? "4.4.1" : "5.1.1";
            Line($"{ts} {host} postfix/smtp[103]: {q}: to=<{r}>, relay=mx.{r.Split('@')[1]}[192.0.2.1]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn={dsn}, status={status} (250 ok)");
        }

        if (status != "deferred")
        {
            Line($"{ts} {host} postfix/qmgr[102]: {q}: removed");
        }

        return q;
    }

    public override string ToString() => _text.ToString();

    public byte[] Bytes() => Encoding.UTF8.GetBytes(_text.ToString());

    /// <summary>Joins the text with a year fixed to <see cref="Start"/>'s; returns the sink and the statistics.</summary>
    public static (Collector Sink, LogStatistics Statistics) Join(string text, JoinerLimits? limits = null)
    {
        var sink = new Collector();
        var joiner = new LogJoiner(sink, new SyslogHeader { FixedYear = Start.Year }, limits);
        LineReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), joiner, 64 * 1024);
        joiner.Flush();
        return (sink, joiner.Statistics);
    }

    public static LogHunter Hunt(string text, HuntOptions? options = null)
    {
        var hunter = new LogHunter(options ?? new HuntOptions());
        var joiner = new LogJoiner(hunter, new SyslogHeader { FixedYear = Start.Year });
        LineReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), joiner, 64 * 1024);
        joiner.Flush();
        return hunter;
    }

    /// <summary>Records every sink call.</summary>
    internal sealed class Collector : IRecordSink
    {
        public List<(MailRecord Record, DateTimeOffset Time)> Accepted { get; } = [];

        public List<MailRecord> Completed { get; } = [];

        public List<(MailRecord Record, int Count)> Refused { get; } = [];

        public List<SmtpReject> Rejects { get; } = [];

        void IRecordSink.Accepted(MailRecord record, DateTimeOffset time) => Accepted.Add((record, time));

        void IRecordSink.Refused(MailRecord record, int count, DateTimeOffset time) => Refused.Add((record, count));

        void IRecordSink.Completed(MailRecord record) => Completed.Add(record);

        void IRecordSink.Rejected(SmtpReject reject) => Rejects.Add(reject);
    }
}
