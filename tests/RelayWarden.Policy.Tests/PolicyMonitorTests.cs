using RelayWarden.Core.Monitor;
using RelayWarden.TestSupport;

namespace RelayWarden.Policy.Tests;

/// <summary>The policy server hands each message to the monitor at END-OF-MESSAGE, with the recipients it saw at RCPT.</summary>
public class PolicyMonitorTests
{
    private static RecordingMonitorGate Monitor(string when, MonitorAction action) => RecordingMonitorGate.OneRule(when, action);

    [Fact]
    public async Task A_defer_rule_answers_DEFER_IF_PERMIT_451_at_END_OF_MESSAGE_after_the_threshold()
    {
        var gate = Monitor("messages.1m >= 2", MonitorAction.Defer);
        await using var server = new PolicyTestServer(monitor: gate);
        using var connection = await server.ConnectAsync();
        for (int i = 0; i < 2; i++)
        {
            await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
            Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
            await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "", state: "END-OF-MESSAGE"));
            string? answer = await connection.ReadAnswerAsync();
            Assert.Equal(i == 0 ? "action=DUNNO" : "action=DEFER_IF_PERMIT 4.7.1 Sending rate limited, try again later", answer);
        }

        Assert.Equal(2, gate.Seen.Count);
        Assert.Equal(["bob@customer.example"], gate.Seen[0].Recipients);
        Assert.Equal("acme/192.0.2.10", gate.Seen[0].Account);
    }

    [Fact]
    public async Task A_hold_rule_answers_HOLD()
    {
        await using var server = new PolicyTestServer(monitor: Monitor("messages.1m >= 1", MonitorAction.Hold));
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "", state: "END-OF-MESSAGE"));
        Assert.StartsWith("action=HOLD ", await connection.ReadAnswerAsync());
    }
}
