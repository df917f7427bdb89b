using RelayWarden.Core.Monitor;

namespace RelayWarden.Core.Tests.Monitor;

public class AlertTests
{
    [Fact]
    public void One_alert_per_account_and_rule_within_the_dedup_period_but_the_action_holds()
    {
        var monitor = MonitorTestKit.Monitor(new MonitorOptions
        {
            Rules = [MonitorTestKit.Rule("monitor.test.burst", "new_domains.10m >= 3", MonitorAction.Defer)],
            AlertDedup = TimeSpan.FromHours(1),
        });
        var t = MonitorTestKit.Start;
        var alerts = new List<MonitorAlert>();
        var actions = new List<MonitorAction?>();
        for (int i = 0; i < 10; i++)
        {
            var decision = monitor.Observe(MonitorTestKit.Message("gina", t + TimeSpan.FromSeconds(i), $"v@n{i}.example"));
            alerts.AddRange(decision.Alerts);
            actions.Add(decision.Action);
        }

        Assert.Single(alerts);
        Assert.All(actions.Skip(2), a => Assert.Equal(MonitorAction.Defer, a));

        var again = MonitorTestKit.Blast(monitor, "gina", t + TimeSpan.FromHours(2), 3, TimeSpan.FromSeconds(1), "later");
        Assert.Single(again.Alerts);
    }

    [Fact]
    public void Alerts_carry_window_figures_domains_message_ids_and_subject_hashes()
    {
        var monitor = MonitorTestKit.Monitor(MonitorTestKit.Rule("monitor.test.burst", "new_domains.10m >= 4", MonitorAction.Hold));
        var t = MonitorTestKit.Start;
        MonitorDecision decision = MonitorDecision.None;
        string[] domains = ["a.example", "b.example", "b.example", "c.example", "d.example"];
        for (int i = 0; i < domains.Length; i++)
        {
            decision = monitor.Observe(MonitorTestKit.Message("hank", t + TimeSpan.FromSeconds(i), $"u{i}@{domains[i]}"));
            if (decision.Alerts.Count > 0)
            {
                break;
            }
        }

        var alert = Assert.Single(decision.Alerts);
        Assert.Equal("monitor.test.burst", alert.Rule);
        Assert.Equal("hank", alert.Key);
        Assert.Equal(4, alert.Figures["new_domains.10m"]);
        Assert.Equal(5, alert.Figures["messages.10m"]);
        Assert.Equal(("b.example", 2), alert.TopDomains[0]);
        Assert.Equal(5, alert.SampleMessageIds.Count);
        Assert.All(alert.SubjectHashes, h => Assert.Equal("h1", h));
    }
}
