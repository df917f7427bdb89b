using RelayWarden.TestSupport;
using MimeKit;
using RelayWarden.Core.Records;
using RelayWarden.Smtp.Tests.Infrastructure;

namespace RelayWarden.Smtp.Tests.Delivery;

/// <summary>Queue runner: retries with backoff, per-recipient results, DSNs (RFC 3464), decision records of deliveries.</summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task Next_hop_down_is_retried_and_the_message_delivered_when_it_comes_back()
    {
        await using var sink = TestSink.Reserve();
        await using var relay = await TestRelay.StartAsync($"smtp://127.0.0.1:{sink.Port}");
        using (var client = await Clients.MailKitAsync(relay.Endpoint))
        {
            await client.SendAsync(Clients.Message());
            await client.DisconnectAsync(true);
        }

        string id = Assert.Single(relay.Host.Spool.List());
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.Spool.ReadState(id).Attempts >= 2, TimeSpan.FromSeconds(10)), relay.Log);
        Assert.Contains("status=deferred", relay.Log, StringComparison.Ordinal);
        sink.Start();
        var delivered = await sink.WaitForAsync(1, TimeSpan.FromSeconds(15));
        Assert.Equal(["bob@customer.example"], delivered[0].Recipients);
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.Spool.List().Count == 0, TimeSpan.FromSeconds(5)));
        await relay.Host.Records.FlushAsync(default);
        var outcomes = await relay.Host.Records.DeliveriesAsync(id, default);
        Assert.Contains(outcomes, o => o.Status == DeliveryStatus.Deferred);
        Assert.Equal(DeliveryStatus.Delivered, outcomes[^1].Status);
    }

    [Fact]
    public async Task Permanent_5xx_sends_a_DSN_to_the_envelope_sender_and_delivers_the_other_recipients()
    {
        await using var sink = TestSink.StartNew();
        await using var relay = await TestRelay.StartAsync($"smtp://127.0.0.1:{sink.Port}");
        var message = Clients.Message();
        message.To.Add(MailboxAddress.Parse("reject-me@customer.example"));
        using (var client = await Clients.MailKitAsync(relay.Endpoint))
        {
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var messages = await sink.WaitForAsync(2, TimeSpan.FromSeconds(15));
        var original = Assert.Single(messages, m => m.MailFrom.Length > 0);
        Assert.Equal(["bob@customer.example"], original.Recipients);
        var dsn = Assert.Single(messages, m => m.MailFrom.Length == 0);
        Assert.Equal(["alice@acme.example"], dsn.Recipients);
        var parsed = MimeMessage.Load(new MemoryStream(dsn.Data));
        var report = Assert.IsType<MultipartReport>(parsed.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        Assert.Contains(status.StatusGroups, g => g["Final-Recipient"] == "rfc822; reject-me@customer.example" && g["Action"] == "failed" && (g["Status"] ?? string.Empty).StartsWith('5'));
        Assert.Contains("550 5.1.1", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("event=queue.bounce", relay.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Permanent_failure_of_a_null_sender_message_sends_no_DSN()
    {
        await using var sink = TestSink.StartNew();
        await using var relay = await TestRelay.StartAsync($"smtp://127.0.0.1:{sink.Port}");
        using (var client = await RawSmtpClient.ConnectAsync(relay.Endpoint))
        {
            await client.ReplyAsync();
            await client.CommandAsync("EHLO test");
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<reject-bounce@customer.example>"), StringComparison.Ordinal);
            await client.CommandAsync("DATA");
            Assert.StartsWith("250", await client.CommandAsync("From: alice@acme.example\r\nTo: x@customer.example\r\n\r\nauto-reply\r\n."), StringComparison.Ordinal);
        }

        Assert.True(await TestRelay.EventuallyAsync(() => relay.Log.Contains("event=queue.bounce-dropped", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), relay.Log);
        await Task.Delay(500);
        Assert.Empty(sink.Messages);
        Assert.Empty(relay.Host.Spool.List());
    }

    [Fact]
    public async Task Message_older_than_max_age_bounces_instead_of_retrying()
    {
        await using var sink = TestSink.Reserve();
        await using var relay = await TestRelay.StartAsync($"smtp://127.0.0.1:{sink.Port}", relayExtra: "  max_age: 1s\n");
        using (var client = await Clients.MailKitAsync(relay.Endpoint))
        {
            await client.SendAsync(Clients.Message());
            await client.DisconnectAsync(true);
        }

        Assert.True(await TestRelay.EventuallyAsync(() => relay.Log.Contains("event=queue.bounce ", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), relay.Log);
        Assert.Contains("gave up after", relay.Log, StringComparison.Ordinal);
        string dsn = Assert.Single(relay.Host.Spool.List()); // the DSN waits for the next hop too
        Assert.True(relay.Host.Spool.TryRead(dsn, out var envelope, out _));
        Assert.True(envelope.IsDsn);
        Assert.Equal(string.Empty, envelope.MailFrom);
    }
}
