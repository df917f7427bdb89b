using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Tests.Monitor;

public class RuleEvaluationTests
{
    [Fact]
    public void Condition_parses_terms_joined_by_and()
    {
        var condition = MonitorCondition.Parse("new_domain_messages.1m >= 8 and history_days > 7 and refused_share.1h < 0.5");
        Assert.Equal(3, condition.Terms.Count);
        Assert.Equal("new_domain_messages.1m", condition.Terms[0].Signal.ToString());
        Assert.Equal(ConditionOperator.Greater, condition.Terms[1].Operator);
        Assert.Equal(0.5, condition.Terms[2].Threshold);
    }

    [Theory]
    [InlineData("messages.2h >= 5", "not a signal")]
    [InlineData("messages.1h => 5", "is not one of")]
    [InlineData("messages.1h >= many", "not a number")]
    [InlineData("messages.1h", "signal op number")]
    [InlineData("", "empty")]
    public void Bad_conditions_say_what_is_wrong(string text, string problem)
    {
        Assert.False(MonitorCondition.TryParse(text, out _, out string? message));
        Assert.Contains(problem, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_default_rule_has_a_dotted_monitor_id_and_a_reason()
    {
        Assert.All(DefaultMonitorRules.All, rule =>
        {
            Assert.StartsWith("monitor.", rule.Id, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(rule.Description));
        });
        Assert.Equal(DefaultMonitorRules.All.Count, DefaultMonitorRules.All.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void The_strongest_action_wins_and_every_fired_rule_is_a_reason()
    {
        var monitor = MonitorTestKit.Monitor(
            MonitorTestKit.Rule("monitor.test.alert", "messages.10m >= 3"),
            MonitorTestKit.Rule("monitor.test.defer", "recipients.10m >= 3", MonitorAction.Defer),
            MonitorTestKit.Rule("monitor.test.never", "messages.10m >= 1000", MonitorAction.Reject));
        var decision = MonitorTestKit.Blast(monitor, "carol", MonitorTestKit.Start, 3, TimeSpan.FromSeconds(5));

        Assert.Equal(MonitorAction.Defer, decision.Action);
        Assert.Equal(VerdictAction.Defer, decision.Verdict);
        Assert.Equal("451 4.7.1 Sending rate limited, try again later", decision.Reply.ToString());
        Assert.Equal(["monitor.test.alert", "monitor.test.defer"], decision.Reasons.Select(r => r.Rule));
        Assert.Equal("carol", decision.Reasons[0].Evidence.Address);
        Assert.Contains("messages.10m=3", decision.Reasons[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Quiet_traffic_returns_the_shared_none_decision()
    {
        var monitor = MonitorTestKit.Monitor(MonitorOptions.Default);
        var decision = monitor.Observe(MonitorTestKit.Message("dave", MonitorTestKit.Start, "x@y.example"));
        Assert.Same(MonitorDecision.None, decision);
        Assert.False(decision.Enforces);
    }

    [Fact]
    public void Monitor_actions_map_onto_the_policy_actions()
    {
        Assert.Equal(RuleAction.Monitor, MonitorDecision.ToRuleAction(MonitorAction.Alert));
        Assert.Equal(RuleAction.Hold, MonitorDecision.ToRuleAction(MonitorAction.Hold));
        Assert.Equal(RuleAction.Defer, MonitorDecision.ToRuleAction(MonitorAction.Defer));
        Assert.Equal(RuleAction.Reject, MonitorDecision.ToRuleAction(MonitorAction.Reject));
        Assert.Equal(RuleAction.Reject, MonitorDecision.ToRuleAction(MonitorAction.Suspend));
        Assert.Equal(VerdictAction.Reject, MonitorDecision.ToVerdictAction(MonitorAction.Suspend));
    }

    [Fact]
    public void Tenant_scoped_rules_read_the_tenants_counters()
    {
        var monitor = MonitorTestKit.Monitor(new MonitorOptions
        {
            Rules = [new MonitorRule { Id = "monitor.test.tenant", When = MonitorCondition.Parse("messages.10m >= 4"), Scope = MonitorKeyKind.Tenant }],
        });
        var t = MonitorTestKit.Start;
        MonitorDecision last = MonitorDecision.None;
        for (int i = 0; i < 4; i++)
        {
            last = monitor.Observe(MonitorTestKit.Message($"user{i}", t + TimeSpan.FromSeconds(i), "a@b.example"));
        }

        Assert.Equal("monitor.test.tenant", Assert.Single(last.Alerts).Rule);
        Assert.Equal("acme", last.Alerts[0].Key);
    }

    [Fact]
    public void Refused_recipients_feed_the_refused_share()
    {
        var monitor = MonitorTestKit.Monitor(MonitorTestKit.Rule("monitor.test.refused", "refused.1h >= 5 and refused_share.1h >= 0.3", MonitorAction.Defer));
        var t = MonitorTestKit.Start;
        monitor.Observe(MonitorTestKit.Message("erin", t, "a@b.example", "c@d.example"));
        monitor.ObserveRefused(MonitorKeyKind.Account, "erin", t + TimeSpan.FromMinutes(1), 5);
        var decision = monitor.Observe(MonitorTestKit.Message("erin", t + TimeSpan.FromMinutes(2), "e@f.example"));
        Assert.Equal(MonitorAction.Defer, decision.Action);
    }
}
