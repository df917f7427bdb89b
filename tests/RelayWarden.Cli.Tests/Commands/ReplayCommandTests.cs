using System.Net;
using System.Text.Json;
using MailKit.Net.Smtp;
using MimeKit;
using RelayWarden.TestSupport;

namespace RelayWarden.Cli.Tests.Commands;

/// <summary>
/// <c>relaywarden replay</c> end to end: a real relay tries <c>sender.envelope.external</c> in monitor
/// mode and records what it decided for MailKit's messages; replaying those records with the rule
/// enforced lists exactly the message it would now refuse.
/// </summary>
public sealed class ReplayCommandTests : IAsyncLifetime
{
    private const string TryOut = "policy:\n  rule_actions:\n    sender.envelope.external: monitor\n";

    private static readonly IPAddress Acme = IPAddress.Parse("127.0.0.10");

    private TestRelay _relay = null!;

    private string Proposed => Path.Combine(_relay.Folder, "proposed.yaml");

    private string Current => Path.Combine(_relay.Folder, "relaywarden.yaml");

    public async Task InitializeAsync()
    {
        _relay = await TestRelay.StartAsync(topExtra: TryOut);
        // The proposed configuration is the same one without the try-out: the rule rejects again.
        File.WriteAllText(Proposed, File.ReadAllText(Current).Replace(TryOut, string.Empty, StringComparison.Ordinal));

        using (var client = await TestMail.ConnectAsync(_relay.Endpoint, local: Acme))
        {
            // Relayed although the envelope sender is not acme's (the rule is being tried).
            await client.SendAsync(TestMail.Message("alice@acme.example", 1), MailboxAddress.Parse("bounces@mailer.example"), [MailboxAddress.Parse("user1@dest1.example")]);
            // Normal mail.
            await client.SendAsync(TestMail.Message("bob@acme.example", 2));
            // Refused then and now: another tenant's From.
            var spoof = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(TestMail.Message("ceo@globex.example", 3), MailboxAddress.Parse("bob@acme.example"),
                [MailboxAddress.Parse("user3@dest3.example")]));
            Assert.Equal(550, (int)spoof.StatusCode);
            await client.DisconnectAsync(true);
        }

        await _relay.Host.Records.FlushAsync(default);
    }

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = Program.Run(args, output, error, () => new MemoryStream());
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Enforcing_the_tried_rule_lists_the_one_message_it_would_refuse()
    {
        var (exit, output, error) = Run("replay", "--config", Proposed);
        Assert.True(exit == 0, error);
        string changed = Assert.Single(output.Split('\n'), l => l.Contains(" -> ", StringComparison.Ordinal) && !l.StartsWith("  changed", StringComparison.Ordinal));
        Assert.Contains("relay -> reject", changed, StringComparison.Ordinal);
        Assert.Contains("MAIL FROM:<bounces@mailer.example>", changed, StringComparison.Ordinal);
        Assert.Contains("[sender.envelope.external]", changed, StringComparison.Ordinal);
        Assert.Contains("replayed 3 records", output, StringComparison.Ordinal);
        Assert.Contains("2 same, 1 changed, 0 not replayed", output, StringComparison.Ordinal);
        Assert.Contains("changed relay -> reject: 1", output, StringComparison.Ordinal);

        // The configuration the records were made with changes nothing.
        var same = Run("replay", "--config", Current, "--exit-code");
        Assert.True(same.Exit == 0, same.Err);
        Assert.Contains("3 same, 0 changed", same.Out, StringComparison.Ordinal);
        Assert.Equal(1, Run("replay", "--config", Proposed, "--exit-code").Exit);

        // The same question without a new file: the current configuration with the rule's action laid over it.
        var whatIf = Run("replay", "--config", Current, "--rule-action", "sender.envelope.external=reject");
        Assert.True(whatIf.Exit == 0, whatIf.Err);
        Assert.Contains("2 same, 1 changed", whatIf.Out, StringComparison.Ordinal);
        Assert.Contains("[sender.envelope.external]", whatIf.Out, StringComparison.Ordinal);
        var held = Run("replay", "--config", Current, "--rule-action", "sender.envelope.external:hold");
        Assert.Contains("changed relay -> hold: 1", held.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_prints_one_object_per_changed_verdict_and_the_totals_on_stderr()
    {
        var (exit, output, error) = Run("replay", "--config", Proposed, "--json", "--tenant", "acme", "--since", "1h");
        Assert.True(exit == 0, error);
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("smtp.data", root.GetProperty("stage").GetString());
        Assert.Equal("acme", root.GetProperty("tenant").GetString());
        Assert.StartsWith("<bounces@mailer.example>", root.GetProperty("mail_from").GetString(), StringComparison.Ordinal); // as the client wrote it, parameters included
        Assert.Equal("relay", root.GetProperty("recorded").GetProperty("action").GetString());
        Assert.Equal(["sender.envelope.external"], root.GetProperty("recorded").GetProperty("rules").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("reject", root.GetProperty("proposed").GetProperty("action").GetString());
        Assert.StartsWith("550 5.7.1", root.GetProperty("proposed").GetProperty("reply").GetString(), StringComparison.Ordinal);
        Assert.Contains("replayed 3 records", error, StringComparison.Ordinal);

        // A window with nothing in it.
        var empty = Run("replay", "--config", Proposed, "--until", "2000-01-01T00:00:00Z");
        Assert.True(empty.Exit == 0, empty.Err);
        Assert.Contains("replayed 0 records: 0 same, 0 changed", empty.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--since", "yesterday-ish", "--since 'yesterday-ish'")]
    [InlineData("--records", "/nonexistent/records.db", "no decision records at '/nonexistent/records.db'")]
    [InlineData("--until", "soon", "--until 'soon'")]
    [InlineData("--rule-action", "sender.nope=reject", "'sender.nope': unknown rule id")]
    [InlineData("--rule-action", "sender.envelope.external=drop", "'drop': the action of sender.envelope.external must be reject, defer, hold or monitor")]
    [InlineData("--rule-action", "sender.envelope.external", "expected RULE=ACTION")]
    public void Bad_input_gets_one_clear_line_and_exit_2(string option, string value, string expected)
    {
        var (exit, output, error) = Run("replay", "--config", Proposed, option, value);
        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }
}
