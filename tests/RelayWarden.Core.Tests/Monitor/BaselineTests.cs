using RelayWarden.Core.Monitor;

namespace RelayWarden.Core.Tests.Monitor;

public class BaselineTests
{
    [Fact]
    public void Peak_is_the_busiest_completed_hour_and_halves_after_the_half_life()
    {
        var baseline = new Baseline();
        baseline.Complete(100, new WindowCounts { Messages = 40, Recipients = 80 }, 168);
        baseline.Complete(101, new WindowCounts { Messages = 10, Recipients = 10 }, 168);
        Assert.InRange(baseline.Messages, 39.5, 40);

        baseline.Complete(101 + 168, new WindowCounts { Messages = 1 }, 168);
        Assert.InRange(baseline.Messages, 19.5, 20.1);
        Assert.InRange(baseline.Recipients, 39.5, 40.1);
    }

    [Fact]
    public void Volume_far_above_the_accounts_own_peak_fires_the_baseline_rule()
    {
        var monitor = MonitorTestKit.Monitor(MonitorTestKit.Rule("monitor.test.baseline", "messages.1h >= 20 and messages_vs_baseline.1h >= 4 and history_days >= 7"));
        var t = MonitorTestKit.Start;
        // Eight days of five messages every hour to the same correspondents.
        for (int hour = 0; hour < 8 * 24; hour++)
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.Null(monitor.Observe(MonitorTestKit.Message("bob", t + TimeSpan.FromMinutes((hour * 60) + (i * 10)), $"c{i}@partner.example")).Action);
            }
        }

        var later = t + TimeSpan.FromHours(8 * 24);
        MonitorDecision decision = MonitorDecision.None;
        for (int i = 0; i < 20; i++)
        {
            decision = monitor.Observe(MonitorTestKit.Message("bob", later + TimeSpan.FromMinutes(i), $"c{i % 5}@partner.example"));
        }

        Assert.Equal(MonitorAction.Alert, decision.Action);
        Assert.Equal("monitor.test.baseline", decision.Reasons[0].Rule);
    }
}
