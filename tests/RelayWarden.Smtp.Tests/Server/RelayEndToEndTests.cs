using RelayWarden.TestSupport;
using System.Text;
using MailKit.Net.Smtp;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Smtp.Tests.Infrastructure;

namespace RelayWarden.Smtp.Tests.Server;

/// <summary>The core scenarios with real clients (MailKit, swaks) and a capturing next hop.</summary>
public sealed class RelayEndToEndTests
{
    [Fact]
    public async Task Good_message_from_MailKit_arrives_at_the_next_hop_byte_for_byte_with_one_added_Received_header()
    {
        await using var sink = TestSink.StartNew();
        await using var relay = await TestRelay.StartAsync($"smtp://127.0.0.1:{sink.Port}");
        // Lines that need dot-stuffing, and a lone dot, must survive.
        var message = Clients.Message(body: "Hello Bob.\r\n.\r\n..two dots\r\n.leading dot\r\nend\r\n");
        using (var client = await Clients.MailKitAsync(relay.Endpoint))
        {
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var delivered = (await sink.WaitForAsync(1, TimeSpan.FromSeconds(10)))[0];
        Assert.Equal("alice@acme.example", delivered.MailFrom);
        Assert.Equal(["bob@customer.example"], delivered.Recipients);
        var (received, rest) = Clients.SplitReceived(delivered.Data);
        Assert.Contains("by relay.test (RelayWarden) with ESMTP id ", received, StringComparison.Ordinal);
        Assert.Equal(Clients.WireBytes(message), rest);
    }

    [Fact]
    public async Task Good_message_from_swaks_appears_in_the_outbox_byte_for_byte()
    {
        Assert.True(Clients.SwaksAvailable, "swaks is installed by test.sh");
        await using var relay = await TestRelay.StartAsync();
        string file = Clients.MessagePath("normal.eml");
        var (exit, transcript) = await Clients.SwaksAsync(relay.Endpoint, "127.0.0.10", "--from", "alice@acme.example", "--to", "bob@customer.example", "--data", file);
        Assert.True(exit == 0, transcript);
        Assert.Contains("250 2.0.0 Ok: queued as ", transcript, StringComparison.Ordinal);
        Assert.True(await TestRelay.EventuallyAsync(() => Directory.Exists(relay.Outbox) && Directory.GetFiles(relay.Outbox, "*.eml").Length == 1, TimeSpan.FromSeconds(10)), relay.Log);
        byte[] stored = File.ReadAllBytes(Directory.GetFiles(relay.Outbox, "*.eml")[0]);
        var (_, rest) = Clients.SplitReceived(stored);
        // swaks always ends DATA with CRLF "." CRLF, so a file ending in a newline gains one empty line.
        Assert.Equal([.. Clients.WithCrLf(file), 13, 10], rest);
    }

    [Fact]
    public async Task A_rule_in_monitor_mode_lets_the_message_through_with_the_monitor_header_after_Received()
    {
        Assert.True(Clients.SwaksAvailable, "swaks is installed by test.sh");
        await using var relay = await TestRelay.StartAsync(topExtra: "policy:\n  monitor_header: X-RelayWarden-Monitor\n  rule_actions:\n    sender.envelope.external: monitor\n");
        string file = Clients.MessagePath("normal.eml");
        var (exit, transcript) = await Clients.SwaksAsync(relay.Endpoint, "127.0.0.10", "--from", "bounces@outside.example", "--to", "bob@customer.example", "--data", file);
        Assert.True(exit == 0, transcript);
        Assert.True(await TestRelay.EventuallyAsync(() => Directory.Exists(relay.Outbox) && Directory.GetFiles(relay.Outbox, "*.eml").Length == 1, TimeSpan.FromSeconds(10)), relay.Log);
        var (_, rest) = Clients.SplitReceived(File.ReadAllBytes(Directory.GetFiles(relay.Outbox, "*.eml")[0]));
        byte[] mark = "X-RelayWarden-Monitor: sender.envelope.external\r\n"u8.ToArray();
        Assert.Equal(mark, rest[..mark.Length]);
        Assert.Equal([.. Clients.WithCrLf(file), 13, 10], rest[mark.Length..]); // the message itself untouched
    }

    [Fact]
    public async Task Incident_message_is_refused_at_end_of_DATA_with_550_5_7_1_and_recorded()
    {
        await using var relay = await TestRelay.StartAsync();
        // The incident's shape: null envelope sender, Sender in the submitter's... here another tenant's domain, From another tenant's.
        var (exit, transcript) = await Clients.SwaksAsync(relay.Endpoint, "127.0.0.10", "--from", "<>", "--to", "victim@customer.example",
            "--data", Clients.MessagePath("incident-2025-04.eml"));
        Assert.NotEqual(0, exit);
        int data = transcript.IndexOf("354 ", StringComparison.Ordinal);
        int refusal = transcript.IndexOf("550 5.7.1 ", StringComparison.Ordinal);
        Assert.True(data > 0 && refusal > data, transcript);
        await relay.Host.Records.FlushAsync(default);
        var records = await relay.Host.Records.QueryAsync(new DecisionQuery { Tenant = "acme" }, default);
        var record = Assert.Single(records);
        Assert.Equal("smtp.data", record.Stage);
        Assert.Equal(VerdictAction.Reject, record.Action);
        Assert.Contains(record.Reasons, r => r.Rule == "sender.from.other-tenant");
        Assert.Equal("Globex Bank <security@globex.example>", record.From);
        Assert.Equal("noreply@trial-7731.example", record.Sender);
        Assert.Equal("<20250421031407.1@trial-7731.example>", record.MessageId);
        Assert.Equal(["customer.example"], record.RecipientDomains);
        Assert.Empty(relay.Host.Spool.List());
        Assert.Contains("event=smtp.decision", relay.Log, StringComparison.Ordinal);
        Assert.Contains("rules=sender.from.other-tenant", relay.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trial_tenant_is_refused_at_MAIL()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await Clients.MailKitAsync(relay.Endpoint, "127.0.0.30");
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Clients.Message("noreply@trial-7731.example")));
        Assert.Equal(SmtpErrorCode.SenderNotAccepted, error.ErrorCode);
        Assert.Equal(550, (int)error.StatusCode);
        Assert.Contains("account.trial-outbound", relay.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_client_is_refused_at_RCPT_with_relay_denied()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await Clients.MailKitAsync(relay.Endpoint, "127.0.0.99");
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Clients.Message()));
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, error.ErrorCode);
        Assert.Equal(554, (int)error.StatusCode);
        Assert.Contains("stage=smtp.rcpt", relay.Log, StringComparison.Ordinal);
        Assert.Contains("rules=relay.denied", relay.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recipient_limit_answers_452_4_5_3_beyond_max_recipients()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        await client.CommandAsync("EHLO test");
        Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
        for (int i = 0; i < 5; i++)
        {
            Assert.StartsWith("250 2.1.5", await client.CommandAsync($"RCPT TO:<r{i}@customer.example>"), StringComparison.Ordinal);
        }

        Assert.StartsWith("452 4.5.3", await client.CommandAsync("RCPT TO:<r5@customer.example>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_message_is_refused_with_552_while_reading()
    {
        await using var relay = await TestRelay.StartAsync(relayExtra: "  max_message_bytes: 4096\n");
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        Assert.Contains("SIZE 4096", await client.CommandAsync("EHLO test"), StringComparison.Ordinal);
        Assert.StartsWith("552 5.3.4", await client.CommandAsync("MAIL FROM:<alice@acme.example> SIZE=100000"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.CommandAsync("RCPT TO:<bob@customer.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354 ", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        var body = new StringBuilder("From: alice@acme.example\r\n\r\n");
        for (int i = 0; i < 200; i++)
        {
            body.Append("0123456789012345678901234567890123456789\r\n");
        }

        Assert.StartsWith("552 5.3.4", await client.CommandAsync(body + "."), StringComparison.Ordinal);
        Assert.Empty(relay.Host.Spool.List());
    }

    [Fact]
    public async Task Pipelined_commands_get_their_replies_in_order()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        Assert.Contains("PIPELINING", await client.CommandAsync("EHLO test"), StringComparison.Ordinal);
        await client.SendAsync("MAIL FROM:<alice@acme.example>\r\nRCPT TO:<bob@customer.example>\r\nRCPT TO:<x@[10.0.0.1]>\r\nDATA\r\n");
        Assert.StartsWith("250 2.1.0", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.5", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("5", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.ReplyAsync(), StringComparison.Ordinal);
        await client.SendAsync("From: alice@acme.example\r\nTo: bob@customer.example\r\n\r\nhi\r\n.\r\nQUIT\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("221", await client.ReplyAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VRFY_and_EXPN_are_refused_politely_and_HELP_NOOP_RSET_answer()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        Assert.StartsWith("220 relay.test ESMTP", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("503 5.5.1", await client.CommandAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
        await client.CommandAsync("HELO test");
        Assert.StartsWith("252 2.5.0", await client.CommandAsync("VRFY root"), StringComparison.Ordinal);
        Assert.StartsWith("502 5.5.1", await client.CommandAsync("EXPN staff"), StringComparison.Ordinal);
        Assert.StartsWith("214 ", await client.CommandAsync("HELP"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.CommandAsync("NOOP"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.CommandAsync("RSET"), StringComparison.Ordinal);
        Assert.StartsWith("503 5.5.1", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("221 ", await client.CommandAsync("QUIT"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graceful_shutdown_answers_idle_sessions_421_and_keeps_accepted_mail_spooled()
    {
        var relay = await TestRelay.StartAsync("smtp://127.0.0.1:9");
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        await client.CommandAsync("EHLO test");
        await client.CommandAsync("MAIL FROM:<alice@acme.example>");
        await client.CommandAsync("RCPT TO:<bob@customer.example>");
        await client.CommandAsync("DATA");
        Assert.StartsWith("250 ", await client.CommandAsync("From: alice@acme.example\r\n\r\nhi\r\n."), StringComparison.Ordinal);
        var stop = relay.Host.StopAsync(TimeSpan.FromSeconds(5));
        Assert.StartsWith("421 4.3.2", await client.ReplyAsync(), StringComparison.Ordinal);
        await stop;
        Assert.Single(relay.Host.Spool.List());
        await relay.DisposeAsync();
    }
}
