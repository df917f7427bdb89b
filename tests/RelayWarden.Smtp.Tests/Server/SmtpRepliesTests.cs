using RelayWarden.TestSupport;
using RelayWarden.Smtp.Tests.Infrastructure;

namespace RelayWarden.Smtp.Tests.Server;

/// <summary>
/// The Verdict-to-wire table at end of DATA, one row per action: the incident message with the
/// rule's action configured as reject, defer, hold or monitor.
/// </summary>
public sealed class SmtpRepliesTests
{
    [Theory]
    [InlineData("reject", "550 5.7.1 ", 0, 0)]
    [InlineData("defer", "451 4.7.1 ", 0, 0)]
    [InlineData("hold", "250 2.0.0 Ok: queued as ", 0, 1)]
    [InlineData("monitor", "250 2.0.0 Ok: queued as ", 1, 0)]
    public async Task Verdict_action_at_end_of_DATA_becomes_its_reply_and_its_spool_place(string action, string reply, int delivered, int held)
    {
        string policy = $"policy:\n  rule_actions:\n    sender.from.other-tenant: {action}\n    sender.sender.other-tenant: {action}\n";
        await using var relay = await TestRelay.StartAsync(topExtra: policy);
        var (_, transcript) = await Clients.SwaksAsync(relay.Endpoint, "127.0.0.10", "--from", "<>", "--to", "victim@customer.example",
            "--data", Clients.MessagePath("incident-2025-04.eml"));
        Assert.Contains(reply, transcript, StringComparison.Ordinal);
        Assert.Equal(held, relay.Host.Spool.List(held: true).Count);
        Assert.True(await TestRelay.EventuallyAsync(() => (Directory.Exists(relay.Outbox) ? Directory.GetFiles(relay.Outbox, "*.eml").Length : 0) == delivered, TimeSpan.FromSeconds(10)));
        await Task.Delay(200);
        Assert.Equal(delivered, Directory.Exists(relay.Outbox) ? Directory.GetFiles(relay.Outbox, "*.eml").Length : 0);
    }
}
