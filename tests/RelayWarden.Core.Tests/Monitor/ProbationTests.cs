using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Tests.Monitor;

public class ProbationTests
{
    [Fact]
    public void A_trial_account_blasting_with_the_null_sender_is_stopped_within_seconds()
    {
        var monitor = MonitorTestKit.Monitor(MonitorOptions.Default);
        var created = MonitorTestKit.Start - TimeSpan.FromHours(5);
        var t = MonitorTestKit.Start;
        int relayed = 0;
        MonitorDecision decision = MonitorDecision.None;
        for (int i = 0; i < 200 && !decision.Enforces; i++)
        {
            decision = monitor.Observe(new Observation
            {
                Time = t + TimeSpan.FromMilliseconds(40 * i),
                Account = "trial-7",
                Tenant = "trial-7",
                EnvelopeSender = null,
                Recipients = [$"victim@m{i}.example"],
                AccountCreatedAt = created,
            });
            if (!decision.Enforces)
            {
                relayed++;
            }
        }

        Assert.True(decision.Enforces);
        Assert.True(relayed < 100, $"{relayed} relayed");
    }

    [Fact]
    public void The_same_volume_from_an_old_account_is_not_on_probation()
    {
        var rules = DefaultMonitorRules.All.Where(r => r.Id == MonitorRuleIds.NewAccountVolume).ToArray();
        var monitor = MonitorTestKit.Monitor(rules);
        var decision = MonitorTestKit.Blast(monitor, "old", MonitorTestKit.Start, 40, TimeSpan.FromSeconds(5), created: MonitorTestKit.Start - TimeSpan.FromDays(400));
        Assert.Null(decision.Action);

        var young = MonitorTestKit.Blast(monitor, "young", MonitorTestKit.Start, 40, TimeSpan.FromSeconds(5), created: MonitorTestKit.Start - TimeSpan.FromHours(2));
        Assert.Equal(MonitorAction.Suspend, young.Action);
    }

    [Fact]
    public void Accounts_already_sending_when_monitoring_starts_are_not_new_after_a_restart()
    {
        // A restart empties the in-memory state: a busy mailbox must not look brand new and be suspended.
        var rules = DefaultMonitorRules.All.Where(r => r.Id == MonitorRuleIds.NewAccountVolume).ToArray();
        var monitor = MonitorTestKit.Monitor(new MonitorOptions { Rules = rules });
        var busy = MonitorTestKit.Blast(monitor, "busy", MonitorTestKit.Start, 40, TimeSpan.FromSeconds(5));
        Assert.Null(busy.Action);

        // An account first seen once the allowance is over is new, and on probation.
        var later = MonitorTestKit.Start + TimeSpan.FromHours(80);
        var newcomer = MonitorTestKit.Blast(monitor, "newcomer", later, 40, TimeSpan.FromSeconds(5));
        Assert.Equal(MonitorAction.Suspend, newcomer.Action);
    }

    [Fact]
    public void Without_the_preexisting_allowance_every_first_seen_account_is_new()
    {
        var rules = DefaultMonitorRules.All.Where(r => r.Id == MonitorRuleIds.NewAccountVolume).ToArray();
        var monitor = MonitorTestKit.Monitor(new MonitorOptions { Rules = rules, PreexistingHours = 0 });
        var busy = MonitorTestKit.Blast(monitor, "busy", MonitorTestKit.Start, 40, TimeSpan.FromSeconds(5));
        Assert.Equal(MonitorAction.Suspend, busy.Action);
    }

    [Fact]
    public void Suspension_rejects_every_later_message_until_lifted()
    {
        var monitor = MonitorTestKit.Monitor(MonitorTestKit.Rule("monitor.test.suspend", "messages.10m >= 3", MonitorAction.Suspend));
        MonitorTestKit.Blast(monitor, "frank", MonitorTestKit.Start, 3, TimeSpan.FromSeconds(1));
        Assert.True(monitor.IsSuspended(MonitorKeyKind.Account, "frank"));

        var later = monitor.Observe(MonitorTestKit.Message("frank", MonitorTestKit.Start + TimeSpan.FromDays(3), "a@b.example"));
        Assert.Equal(VerdictAction.Reject, later.Verdict);
        Assert.Equal(MonitorRuleIds.Suspended, later.Reasons[0].Rule);
        Assert.Equal("550 5.7.1 Account suspended, contact your provider", later.Reply.ToString());

        Assert.True(monitor.Lift(MonitorKeyKind.Account, "frank"));
        Assert.Null(monitor.Observe(MonitorTestKit.Message("frank", MonitorTestKit.Start + TimeSpan.FromDays(4), "a@b.example")).Action);
    }

    [Fact]
    public void Idle_keys_are_evicted_but_suspended_ones_are_kept()
    {
        var store = new InMemoryMonitorStore();
        var monitor = new BehaviorMonitor(new MonitorOptions { Rules = [] }, store, TimeProvider.System);
        monitor.Observe(MonitorTestKit.Message("idle", MonitorTestKit.Start, "a@b.example"));
        monitor.Observe(MonitorTestKit.Message("held", MonitorTestKit.Start, "a@b.example"));
        monitor.Suspend(MonitorKeyKind.Account, "held", "operator");

        int removed = store.EvictIdle((MonitorTestKit.Start + TimeSpan.FromDays(2)).ToUnixTimeSeconds());
        Assert.Equal(4, removed); // the idle account, the tenant and both envelope-sender keys
        Assert.False(store.TryGet(MonitorKeyKind.Account, "idle", out _));
        Assert.True(monitor.IsSuspended(MonitorKeyKind.Account, "held"));
    }
}
