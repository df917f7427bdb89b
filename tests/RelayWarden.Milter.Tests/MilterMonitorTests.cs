using RelayWarden.Core.Monitor;
using RelayWarden.TestSupport;

namespace RelayWarden.Milter.Tests;

/// <summary>The milter hands each message to the monitor at end of headers and enforces its decision.</summary>
public class MilterMonitorTests
{
    private static RecordingMonitorGate Monitor(string when, MonitorAction action) => RecordingMonitorGate.OneRule(when, action);

    private static async Task<string> MessageAsync(MilterTestClient mta, string subject)
    {
        Assert.Equal("(no reply)", await mta.MailAsync("<alice@acme.example>"));
        Assert.Equal("c", await mta.RcptAsync("<bob@customer.example>"));
        Assert.Equal("(no reply)", await mta.HeaderAsync("From", " Alice <alice@acme.example>"));
        Assert.Equal("(no reply)", await mta.HeaderAsync("Subject", " " + subject));
        Assert.Equal("(no reply)", await mta.HeaderAsync("Message-ID", " <" + subject + "@acme.example>"));
        return await mta.EndOfHeadersAsync();
    }

    [Fact]
    public async Task A_defer_rule_tempfails_at_end_of_headers_after_the_threshold()
    {
        var gate = Monitor("messages.1m >= 2", MonitorAction.Defer);
        var (server, _) = MilterTestClient.StartServer(monitor: gate);
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        Assert.Equal("(not sent)", await mta.ConnectEventAsync("192.0.2.10"));
        Assert.Equal("a", await MessageAsync(mta, "one"));
        Assert.Equal("y:451 4.7.1 Sending rate limited, try again later", await MessageAsync(mta, "two"));

        var first = gate.Seen[0];
        Assert.Equal(("acme/192.0.2.10", "acme", "alice@acme.example"), (first.Account, first.Tenant, first.EnvelopeSender));
        Assert.Equal(["bob@customer.example"], first.Recipients);
        Assert.Equal("<one@acme.example>", first.MessageId);
        Assert.Equal(Observation.HashSubject("one"), first.SubjectHash);
    }

    [Fact]
    public async Task A_hold_rule_quarantines_at_end_of_message()
    {
        var (server, _) = MilterTestClient.StartServer(monitor: Monitor("messages.1m >= 1", MonitorAction.Hold));
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        Assert.Equal("(not sent)", await mta.ConnectEventAsync("192.0.2.10"));
        Assert.Equal("c", await MessageAsync(mta, "held"));
        var replies = await mta.EndOfMessageAsync();
        Assert.StartsWith("q:", replies[0], StringComparison.Ordinal);
        Assert.Equal("c", replies[^1]);
    }
}
