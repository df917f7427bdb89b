using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RelayWarden.Cli.Tests.Commands;

public sealed class HuntCommandTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("rw-hunt-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (int Code, string Out, string Error) Run(string? stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? string.Empty)));
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Ten people mailing their contacts every 20 minutes for a day; with <paramref name="attack"/>, user3 sends 40 messages 5 s apart at 14:00:05.</summary>
    internal static string Log(bool attack, out DateTimeOffset fired)
    {
        var text = new StringBuilder();
        int queue = 0x5000;
        fired = default;
        void Message(DateTimeOffset t, string login, string ip, string[] rcpts, string subject)
        {
            string q = (queue += 0x13).ToString("X9", CultureInfo.InvariantCulture);
            string ts = t.ToString("MMM  d HH:mm:ss", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"{ts} mx postfix/smtpd[9]: {q}: client=c.example[{ip}], sasl_method=LOGIN, sasl_username={login}\n");
            text.Append(CultureInfo.InvariantCulture, $"{ts} mx postfix/cleanup[8]: {q}: warning: header Subject: {subject} from c.example[{ip}]; from=<{login}@uni.example> to=<{rcpts[0]}> proto=ESMTP helo=<c>\n");
            text.Append(CultureInfo.InvariantCulture, $"{ts} mx postfix/cleanup[8]: {q}: message-id=<{q}@uni.example>\n");
            text.Append(CultureInfo.InvariantCulture, $"{ts} mx postfix/qmgr[7]: {q}: from=<{login}@uni.example>, size=900, nrcpt={rcpts.Length} (queue active)\n");
            foreach (string r in rcpts)
            {
                text.Append(CultureInfo.InvariantCulture, $"{ts} mx postfix/smtp[6]: {q}: to=<{r}>, relay=mx.example[192.0.2.1]:25, delay=0.3, delays=0/0/0.1/0.2, dsn=2.0.0, status=sent (250 ok)\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"{ts} mx postfix/qmgr[7]: {q}: removed\n");
        }

        var attackStart = Start.AddHours(6).AddSeconds(5);
        for (int minute = 0; minute < 24 * 60; minute += 20)
        {
            for (int u = 0; u < 10; u++)
            {
                var t = Start.AddMinutes(minute).AddSeconds(u * 11);
                if (attack && u == 3 && t > attackStart.AddHours(-1))
                {
                    continue;
                }

                Message(t, $"user{u}", $"10.0.0.{u + 1}", [$"friend{minute % 3}@partner{u}.example"], "lunch?");
            }

            if (attack && Start.AddMinutes(minute) == attackStart.AddSeconds(-5))
            {
                for (int i = 0; i < 40; i++)
                {
                    var t = attackStart.AddSeconds(i * 5);
                    Message(t, "user3", "185.220.101.3", [$"v{i}@d{i}.example"], "Invoice overdue");
                    if (i == 29)
                    {
                        fired = t;
                    }
                }
            }
        }

        return text.ToString();
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, Start.AddDays(1).UtcDateTime);
        return path;
    }

    [Fact]
    public void Hunt_json_prints_one_alert_object_per_line_with_the_contract_fields()
    {
        string path = Write("maillog", Log(attack: true, out var fired));
        var (code, output, error) = Run(null, "hunt", "--json", path);
        Assert.True(code == 0, error);
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("user3", root.GetProperty("account").GetString());
        Assert.Equal("monitor.new-account.volume", root.GetProperty("rule").GetString());
        Assert.Equal(fired, DateTimeOffset.Parse(root.GetProperty("detected_at").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal("2026-03-02T14:02:30+00:00", root.GetProperty("detected_at").GetString());
        var evidence = root.GetProperty("evidence");
        Assert.Equal(30, evidence.GetProperty("messages_1h").GetDouble());
        Assert.Equal(JsonValueKind.Array, evidence.GetProperty("top_domains").ValueKind);
        Assert.Equal(30, evidence.GetProperty("figures").GetProperty("messages.10m").GetDouble());
        Assert.Equal("185.220.101.3", root.GetProperty("client_ip").GetString());
        Assert.Contains("1 alerts on 1 accounts", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Hunt_of_a_benign_log_reports_no_suspicious_account()
    {
        string path = Write("maillog", Log(attack: false, out _));
        var (code, output, _) = Run(null, "hunt", path);
        Assert.Equal(0, code);
        Assert.Contains("No suspicious accounts.", output, StringComparison.Ordinal);
        Assert.Contains("0 garbled, 0 unjoinable", output, StringComparison.Ordinal);
        Assert.Empty(Run(null, "hunt", "--json", path).Out);
    }

    [Fact]
    public void Hunt_table_ranks_the_account_with_its_rule_and_activity_and_reads_stdin()
    {
        var (code, output, error) = Run(Log(attack: true, out _), "hunt", "--year", "2026", "-");
        Assert.True(code == 0, error);
        Assert.Contains("user3", output, StringComparison.Ordinal);
        Assert.Contains("monitor.new-account.volume (critical)", output, StringComparison.Ordinal);
        Assert.Contains("2026-03-02 14:02:30", output, StringComparison.Ordinal);
        Assert.Contains("2026-03-02 08:00:33", output, StringComparison.Ordinal); // user3's first activity
    }

    [Fact]
    public void Hunt_html_writes_a_self_contained_report_with_a_chart()
    {
        string path = Write("maillog", Log(attack: true, out _));
        string report = Path.Combine(_directory, "report.html");
        var (code, _, error) = Run(null, "hunt", "--html", report, path);
        Assert.True(code == 0, error);
        string html = File.ReadAllText(report);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("<h2>user3</h2>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Hunt_refuses_bad_usage_with_one_line()
    {
        var missing = Run(null, "hunt", "/nonexistent/maillog");
        Assert.Equal((Program.UsageError, "relaywarden hunt: no such file '/nonexistent/maillog'"), (missing.Code, missing.Error.Trim()));
        string path = Write("maillog", "x\n");
        Assert.Equal(Program.UsageError, Run(null, "hunt", "--follow", path, path).Code);
        Assert.Equal(Program.UsageError, Run(null, "hunt", "--utc-offset", "soon", path).Code);
        Assert.Equal(Program.UsageError, Run(null, "hunt", "--config", "/nonexistent.yaml", path).Code);
        var garbage = Run(null, "hunt", path);
        Assert.Equal(0, garbage.Code);
        Assert.Contains("1 garbled", garbage.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_finds_the_sender_of_a_message_and_its_activity()
    {
        string path = Write("maillog", Log(attack: true, out _));
        var (code, output, error) = Run(null, "trace", "--subject", "invoice", "--since", "2026-03-02T14:02:00Z", "--until", "2026-03-02T14:02:06Z", path);
        Assert.True(code == 0, error);
        Assert.Contains("account user3  client c.example[185.220.101.3]", output, StringComparison.Ordinal);
        Assert.Contains("queue ids: mx/", output, StringComparison.Ordinal);
        Assert.Contains("activity of user3 within 60 min: 40 messages", output, StringComparison.Ordinal);
        Assert.Contains("2 matching messages", output, StringComparison.Ordinal);

        var byRecipient = Run(null, "trace", "--recipient", "v7@d7.example", path);
        Assert.Contains("to <v7@d7.example> sent dsn=2.0.0", byRecipient.Out, StringComparison.Ordinal);
        Assert.Contains("1 matching messages", byRecipient.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_refuses_bad_usage_with_one_line()
    {
        string path = Write("maillog", "x\n");
        var none = Run(null, "trace", path);
        Assert.Equal(Program.UsageError, none.Code);
        Assert.Equal("relaywarden trace: give at least one of --message-id, --recipient, --sender, --subject", none.Error.Trim());
        Assert.Equal(Program.UsageError, Run(null, "trace", "--sender", "a@b", "--since", "yesterday-ish", path).Code);
    }
}
