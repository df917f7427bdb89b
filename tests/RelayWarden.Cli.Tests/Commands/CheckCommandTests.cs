using System.Text;
using System.Text.Json;

namespace RelayWarden.Cli.Tests.Commands;

/// <summary>The <c>relaywarden check</c> contract: one JSON verdict on stdout, exit 0 for any verdict, exit 2 with one stderr line otherwise.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("relaywarden-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RelayWarden.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("RelayWarden.slnx not found");
    }

    private static string Config => Path.Combine(Root(), "examples", "quickstart.yaml");

    private static string Message(string name) => Path.Combine(Root(), "examples", "messages", name);

    private sealed record Result(int Exit, string Out, string Error);

    private static Result Run(string[] args, byte[]? stdin = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.Run(args, stdout, stderr, () => new MemoryStream(stdin ?? []));
        return new Result(exit, stdout.ToString(), stderr.ToString());
    }

    private static Result Check(string clientIp, string mailFrom, string message, params string[] extra) =>
        Run(["check", "--config", Config, "--client-ip", clientIp, "--mail-from", mailFrom, "--rcpt", "<bob@customer.example>", .. extra, message]);

    private static JsonElement Verdict(Result result)
    {
        Assert.Equal(0, result.Exit);
        Assert.Equal(string.Empty, result.Error);
        Assert.EndsWith("\n", result.Out, StringComparison.Ordinal);
        Assert.Single(result.Out.TrimEnd('\r', '\n').Split('\n'));
        using var document = JsonDocument.Parse(result.Out);
        return document.RootElement.Clone();
    }

    private static string[] Rules(JsonElement verdict) =>
        verdict.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("rule").GetString()!).ToArray();

    private static void AssertUsageError(Result result, string expected)
    {
        Assert.Equal(2, result.Exit);
        Assert.Equal(string.Empty, result.Out);
        string error = result.Error.TrimEnd('\r', '\n');
        Assert.False(error.Contains('\n', StringComparison.Ordinal), "stderr must be one line: " + result.Error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relayed_message_prints_the_JSON_contract_and_exits_0()
    {
        var verdict = Verdict(Check("127.0.0.10", "<alice@acme.example>", Message("normal.eml")));

        Assert.Equal(JsonValueKind.Object, verdict.ValueKind);
        Assert.Equal("relay", verdict.GetProperty("action").GetString());
        Assert.Equal("250 2.0.0 Ok", verdict.GetProperty("reply").GetString());
        Assert.Equal("acme", verdict.GetProperty("tenant").GetString());
        Assert.Equal(0, verdict.GetProperty("reasons").GetArrayLength());
    }

    [Fact]
    public void The_incident_is_a_reject_verdict_with_exit_0_and_every_reason()
    {
        var verdict = Verdict(Check("127.0.0.30", "<>", Message("incident-2025-04.eml")));

        Assert.Equal("reject", verdict.GetProperty("action").GetString());
        Assert.StartsWith("550 5.7.1 ", verdict.GetProperty("reply").GetString(), StringComparison.Ordinal);
        Assert.Equal("trial-7731", verdict.GetProperty("tenant").GetString());
        Assert.Equal(["account.trial-outbound", "sender.from.other-tenant"], Rules(verdict));
        foreach (var reason in verdict.GetProperty("reasons").EnumerateArray())
        {
            Assert.Equal(JsonValueKind.String, reason.GetProperty("rule").ValueKind);
            Assert.False(string.IsNullOrEmpty(reason.GetProperty("detail").GetString()));
        }

        var other = verdict.GetProperty("reasons")[1].GetProperty("evidence");
        Assert.Equal("globex", other.GetProperty("owner").GetString());
        Assert.Equal("security@globex.example", other.GetProperty("address").GetString());
    }

    [Fact]
    public void The_incident_from_a_partner_trial_is_rejected_by_the_From_rule_alone()
    {
        var incident = File.ReadAllText(Message("incident-2025-04.eml")).Replace("trial-7731.example", "partner-trial.example", StringComparison.Ordinal);
        string path = Path.Combine(_temp, "incident.eml");
        File.WriteAllText(path, incident);

        var verdict = Verdict(Check("127.0.0.40", "", path));

        Assert.Equal("550 5.7.1 From address not authorized for your account", verdict.GetProperty("reply").GetString());
        Assert.Equal(["sender.from.other-tenant"], Rules(verdict));
    }

    [Fact]
    public void A_forwarded_invite_relays_with_the_forwarding_reason()
    {
        var verdict = Verdict(Check("198.51.100.99", "alice@acme.example", Message("forwarded-invite.eml"), "--auth-user", "alice@acme.example"));

        Assert.Equal("relay", verdict.GetProperty("action").GetString());
        Assert.Equal(["sender.from.forwarded"], Rules(verdict));
        Assert.Equal("info", verdict.GetProperty("reasons")[0].GetProperty("outcome").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("<>")]
    public void Empty_and_angle_brackets_are_the_null_sender(string mailFrom)
    {
        // A null sender gets no forwarding allowance: the invite that relays with an envelope is refused.
        var verdict = Verdict(Check("127.0.0.10", mailFrom, Message("forwarded-invite.eml")));

        Assert.Equal("reject", verdict.GetProperty("action").GetString());
        Assert.Equal(["sender.from.external"], Rules(verdict));
        Assert.Contains("null", verdict.GetProperty("reasons")[0].GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal("relay", Verdict(Check("127.0.0.10", mailFrom, Message("normal.eml"))).GetProperty("action").GetString());
    }

    [Theory]
    [InlineData("<alice@acme.example", "sender.envelope.syntax")]
    [InlineData("<@relay.example:alice@acme.example>", "sender.envelope.syntax")]
    [InlineData("<alice@acme.example.>", "sender.envelope.invalid-domain")]
    [InlineData("''", "sender.envelope.syntax")]
    public void An_invalid_reverse_path_is_a_reject_verdict_not_a_usage_error(string mailFrom, string rule)
    {
        var verdict = Verdict(Check("127.0.0.10", mailFrom, Message("normal.eml")));

        Assert.Equal("reject", verdict.GetProperty("action").GetString());
        Assert.Equal(rule, Rules(verdict)[0]);
    }

    [Fact]
    public void An_unknown_client_gets_a_verdict_with_a_null_tenant()
    {
        var verdict = Verdict(Check("203.0.113.9", "<alice@acme.example>", Message("normal.eml")));

        Assert.Equal("reject", verdict.GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Null, verdict.GetProperty("tenant").ValueKind);
        Assert.Equal(["relay.denied"], Rules(verdict));
    }

    [Fact]
    public void A_dash_reads_the_message_from_stdin()
    {
        var message = Encoding.UTF8.GetBytes("From: ceo@globex.example\r\nSubject: x\r\n\r\nbody\r\n");

        var verdict = Verdict(Run(["check", "--config", Config, "--client-ip", "127.0.0.10", "--mail-from", "<alice@acme.example>", "--rcpt", "bob@customer.example", "-"], message));

        Assert.Equal(["sender.from.other-tenant"], Rules(verdict));
    }

    [Fact]
    public void Several_recipients_are_all_checked()
    {
        var verdict = Verdict(Run(["check", "--config", Config, "--client-ip", "127.0.0.10", "--mail-from", "<alice@acme.example>",
            "--rcpt", "<a@customer.example>", "--rcpt", "<b%other.example@customer.example>", Message("normal.eml")]));

        Assert.Equal(["recipient.routing"], Rules(verdict));
    }

    [Fact]
    public void JSON_output_keeps_non_ASCII_and_escapes_quotes()
    {
        string path = Path.Combine(_temp, "quote.eml");
        File.WriteAllText(path, "From: \"Jürgen\" <j\"x@globex.example>\r\n\r\n");

        var verdict = Verdict(Check("127.0.0.10", "<alice@acme.example>", path));
        Assert.Equal("reject", verdict.GetProperty("action").GetString());
    }

    [Theory]
    [InlineData("--config")]
    [InlineData("--client-ip")]
    [InlineData("--mail-from")]
    [InlineData("--rcpt")]
    public void A_missing_option_is_a_usage_error(string option)
    {
        var args = new List<string> { "check", "--config", Config, "--client-ip", "127.0.0.10", "--mail-from", "<>", "--rcpt", "bob@customer.example", Message("normal.eml") };
        int at = args.IndexOf(option);
        args.RemoveRange(at, 2);

        AssertUsageError(Run([.. args]), option);
    }

    [Fact]
    public void A_missing_message_argument_is_a_usage_error()
    {
        var result = Run(["check", "--config", Config, "--client-ip", "127.0.0.10", "--mail-from", "<>", "--rcpt", "bob@customer.example"]);
        Assert.Equal(2, result.Exit);
        Assert.Equal(string.Empty, result.Out);
        Assert.Single(result.Error.TrimEnd('\r', '\n').Split('\n'));
    }

    [Theory]
    [InlineData("127.0.0.999")]
    [InlineData("localhost")]
    [InlineData("")]
    public void A_bad_client_ip_is_a_usage_error(string ip) =>
        AssertUsageError(Check(ip, "<>", Message("normal.eml")), "--client-ip");

    [Fact]
    public void An_unreadable_message_is_a_usage_error()
    {
        AssertUsageError(Check("127.0.0.10", "<>", Path.Combine(_temp, "missing.eml")), "cannot read message");
        AssertUsageError(Check("127.0.0.10", "<>", _temp), "cannot read message");
    }

    [Fact]
    public void A_missing_configuration_is_a_usage_error()
    {
        AssertUsageError(Run(["check", "--config", Path.Combine(_temp, "none.yaml"), "--client-ip", "127.0.0.10", "--mail-from", "<>", "--rcpt", "b@c.example", Message("normal.eml")]),
            "cannot read configuration");
    }

    private Result RunWithBadConfiguration()
    {
        string path = Path.Combine(_temp, "bad.yaml");
        File.WriteAllText(path, "tenants:\n  - id: acme\n    kind: free\n    networks: [192.0.2.1/24]\n");
        return Run(["check", "--config", path, "--client-ip", "127.0.0.10", "--mail-from", "<>", "--rcpt", "b@c.example", Message("normal.eml")]);
    }

    [Fact]
    public void A_bad_configuration_is_a_usage_error_naming_every_problem()
    {
        var result = RunWithBadConfiguration();

        Assert.Equal(2, result.Exit);
        Assert.Equal(string.Empty, result.Out);
        Assert.StartsWith("relaywarden check: bad configuration: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("tenants[acme].kind", result.Error, StringComparison.Ordinal);
        Assert.Contains("tenants[acme].networks", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_configuration_is_reported_on_one_stderr_line() => AssertUsageError(RunWithBadConfiguration(), "bad configuration");

    [Fact]
    public void An_unknown_verb_is_a_usage_error()
    {
        var result = Run(["frobnicate"]);
        Assert.Equal(2, result.Exit);
        Assert.NotEmpty(result.Error);
    }
}
