using MailKit.Net.Smtp;
using RelayWarden.Core.Control;
using RelayWarden.Hosting.Control;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests;

/// <summary>The monitor honors allowances: an allowed (rule, key) neither acts, nor suspends, nor alerts; other keys are unaffected.</summary>
public sealed class MonitorAllowanceTests
{
    private const string Rule = "monitor.test.suspend";

    private const string Monitor = """
        monitor:
          rules:
            - id: monitor.test.suspend
              when: "messages.10m >= 2"
              severity: critical
              action: suspend
        """;

    [Fact]
    public async Task An_allowed_suspend_rule_neither_refuses_nor_suspends_nor_alerts_the_key()
    {
        await using var relay = await TestRelay.StartAsync(topExtra: Monitor);
        const string allowed = "acme/127.0.0.10";
        const string other = "globex/127.0.0.20";
        relay.Host.Monitor.Allowances.Replace([new MonitorAllowance(1, Rule, allowed, "test", DateTimeOffset.UtcNow, null, "known bulk sender")]);

        var replies = await TestMail.SendAsync(relay.Endpoint, "alice@acme.example", 4, local: AlertsFixtureLocal(10));
        Assert.Equal(4, replies.Count);
        Assert.Null(relay.Host.Control.FindSuspension(SuspensionScope.Account, allowed));
        Assert.Contains("monitor.allowed", relay.Log, StringComparison.Ordinal);

        // Without an allowance the same rule suspends at the second message.
        using var client = await TestMail.ConnectAsync(relay.Endpoint, local: AlertsFixtureLocal(20));
        await client.SendAsync(TestMail.Message("news@globex.example", 0));
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(TestMail.Message("news@globex.example", 1)));
        Assert.Equal(550, (int)refused.StatusCode);
        Assert.NotNull(relay.Host.Control.FindSuspension(SuspensionScope.Account, other));
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.Triage.Alerts(null, other, 1).Count == 1, TimeSpan.FromSeconds(10)));
        await Task.Delay(200);
        Assert.Empty(relay.Host.Triage.Alerts(null, allowed, 10));
    }

    [Fact]
    public void An_expired_allowance_no_longer_applies_and_the_longest_wins()
    {
        var allowances = new MonitorAllowances();
        var now = DateTimeOffset.UtcNow;
        Assert.False(allowances.IsAllowed(Rule, "a", now));
        allowances.Replace([
            new MonitorAllowance(1, Rule, "a", "t", now, now.AddHours(1), "r"),
            new MonitorAllowance(2, Rule, "a", "t", now, now.AddHours(5), "r"),
            new MonitorAllowance(3, Rule, "b", "t", now, now.AddHours(-1), "r"),
            new MonitorAllowance(4, "monitor.other", "c", "t", now, null, "r"),
        ]);
        Assert.True(allowances.IsAllowed(Rule, "a", now.AddHours(4)));
        Assert.False(allowances.IsAllowed(Rule, "a", now.AddHours(6)));
        Assert.False(allowances.IsAllowed(Rule, "b", now));
        Assert.True(allowances.IsAllowed("monitor.other", "c", now.AddYears(5)));
        Assert.False(allowances.IsAllowed(Rule, "c", now));
    }

    private static System.Net.IPAddress AlertsFixtureLocal(int last) => AlertsFixture.Local(last);
}
