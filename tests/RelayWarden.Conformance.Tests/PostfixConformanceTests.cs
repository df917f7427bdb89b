using System.Text.Json;
using RelayWarden.Cli;

namespace RelayWarden.Conformance.Tests;

/// <summary>
/// Numbered scenarios against a real Postfix whose milter and policy service are RelayWarden.
/// Client addresses and logins come from XCLIENT; tenants from examples/quickstart.yaml.
/// </summary>
[Collection("postfix")]
public class PostfixConformanceTests : IClassFixture<PostfixFixture>
{
    private const string Acme = "127.0.0.10";
    private const string SelfTrial = "127.0.0.30";
    private const string PartnerTrial = "127.0.0.40";
    private const string Unknown = "127.0.0.99";

    private readonly PostfixFixture _postfix;

    public PostfixConformanceTests(PostfixFixture postfix) => _postfix = postfix;

    private static string Example(string name) => Path.Combine(AppContext.BaseDirectory, "examples", "messages", name);

    [Fact]
    public async Task T01_incident_message_is_refused_by_the_milter_with_our_text()
    {
        var (_, output) = await _postfix.SwaksAsync(_postfix.MilterPort, PartnerTrial, null, "", "victim@customer.example", Example("incident-2025-04.eml"));
        Assert.Equal("550 5.7.1 From address not authorized for your account", PostfixFixture.Refusal(output));
        string log = await File.ReadAllTextAsync(_postfix.MaillogPath);
        Assert.Contains("milter-reject", log, StringComparison.Ordinal);
        Assert.Contains("5.7.1 From address not authorized for your account", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task T02_normal_message_from_an_authorized_login_reaches_the_sink()
    {
        string marker = $"t02-{Guid.NewGuid():N}";
        var (code, output) = await _postfix.SwaksAsync(_postfix.BothPort, "203.0.113.5", "alice@acme.example", "alice@acme.example", "bob@customer.example",
            null, "--header", $"Subject: {marker}");
        Assert.True(code == 0, output);
        Assert.Null(PostfixFixture.Refusal(output));
        string? delivered = await _postfix.WaitForSinkAsync(marker, TimeSpan.FromSeconds(30));
        Assert.NotNull(delivered);
    }

    [Theory]
    [InlineData("milter")]
    [InlineData("policy")]
    public async Task T03_envelope_sender_that_is_not_the_logins_is_refused(string door)
    {
        int port = door == "milter" ? _postfix.MilterPort : _postfix.PolicyPort;
        var (_, output) = await _postfix.SwaksAsync(port, "203.0.113.5", "alice@acme.example", "bob@acme.example", "carol@customer.example");
        Assert.Equal("550 5.7.1 Envelope sender not authorized for your login", PostfixFixture.Refusal(output));
    }

    [Theory]
    [InlineData("milter")]
    [InlineData("policy")]
    public async Task T05_a_rule_in_monitor_mode_lets_the_message_through_marked_with_the_monitor_header(string door)
    {
        // sender.envelope.external is in monitor mode in the fixture: an envelope sender in a domain no
        // tenant owns is relayed, and the milter (SMFIR_ADDHEADER) or the policy service (PREPEND) marks it.
        int port = door == "milter" ? _postfix.MilterPort : _postfix.PolicyPort;
        string marker = $"t05-{door}-{Guid.NewGuid():N}";
        var (code, output) = await _postfix.SwaksAsync(port, Acme, null, "bounces@outside.example", "bob@customer.example",
            null, "--header", $"Subject: {marker}", "--header", "From: alice@acme.example");
        Assert.True(code == 0, output);
        Assert.Null(PostfixFixture.Refusal(output));
        string? delivered = await _postfix.WaitForSinkAsync(marker, TimeSpan.FromSeconds(30));
        Assert.NotNull(delivered);
        var marks = delivered.Split('\n').Where(l => l.StartsWith(PostfixFixture.MonitorHeaderName + ":", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal([$"{PostfixFixture.MonitorHeaderName}: sender.envelope.external"], marks.Select(l => l.TrimEnd('\r')));
    }

    [Theory]
    [InlineData(Unknown, null, "alice@acme.example", "normal.eml", true)]
    [InlineData(SelfTrial, null, "", "incident-2025-04.eml", true)]
    [InlineData(PartnerTrial, null, "", "incident-2025-04.eml", false)]
    [InlineData(Acme, null, "alice@acme.example", "forwarded-invite.eml", true)]
    [InlineData(Acme, null, "ceo@globex.example", "normal.eml", true)]
    [InlineData("203.0.113.5", "alice@acme.example", "alice@acme.example", "normal.eml", true)]
    public async Task T04_the_same_verdict_through_the_milter_the_policy_server_and_check(string client, string? login, string mailFrom, string message, bool envelopeDecides)
    {
        string file = Example(message);
        var args = new List<string> { "check", "--config", _postfix.ConfigPath, "--client-ip", client, "--mail-from", mailFrom, "--rcpt", "someone@customer.example" };
        if (login is not null)
        {
            args.AddRange(["--auth-user", login]);
        }

        args.Add(file);
        var stdout = new StringWriter();
        Assert.Equal(0, Program.Run([.. args], stdout, new StringWriter(), () => Stream.Null));
        using var verdict = JsonDocument.Parse(stdout.ToString());
        string action = verdict.RootElement.GetProperty("action").GetString()!;
        string reply = verdict.RootElement.GetProperty("reply").GetString()!;
        string? expected = action == "relay" ? null : reply;

        var (_, milter) = await _postfix.SwaksAsync(_postfix.MilterPort, client, login, mailFrom, "someone@customer.example", file);
        Assert.Equal(expected, PostfixFixture.Refusal(milter));

        // The policy protocol sees the envelope only: it agrees wherever the envelope decides.
        var (_, policy) = await _postfix.SwaksAsync(_postfix.PolicyPort, client, login, mailFrom, "someone@customer.example", file);
        Assert.Equal(envelopeDecides ? expected : null, PostfixFixture.Refusal(policy));
    }
}
