using RelayWarden.Core.Monitor;
using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Hosting.Tests.Configuration;

public class MonitorConfigTests
{
    private const string Tenants = "tenants:\n  - id: acme\n    domains: [acme.example]\n";

    [Fact]
    public void Without_a_monitor_section_the_default_rules_apply()
    {
        var config = ConfigLoader.Load(Tenants, "/etc/relaywarden.yaml");
        Assert.Same(MonitorOptions.Default, config.Monitor);
        Assert.Contains(config.Monitor.Rules, r => r.Id == MonitorRuleIds.RcptDomainsBurst);
    }

    [Fact]
    public void Rules_are_data_replaced_disabled_enabled_and_added_by_id()
    {
        string yaml = Tenants + """
            monitor:
              alert_dedup_minutes: 60
              baseline_half_life_hours: 336
              disable: [monitor.messages.rate]
              enable: [monitor.messages.baseline]
              rules:
                - id: monitor.rcpt-domains.burst
                  when: "new_domain_messages.1m >= 12 and history_days >= 7"
                  severity: high
                  action: defer
                - id: monitor.tenant.volume
                  when: "messages.1h >= 5000"
                  scope: tenant
                  action: alert
                  description: a whole tenant sending far more than usual
            """;
        var monitor = ConfigLoader.Load(yaml, "/etc/relaywarden.yaml").Monitor;

        Assert.Equal(TimeSpan.FromHours(1), monitor.AlertDedup);
        Assert.Equal(336, monitor.BaselineHalfLifeHours);
        Assert.DoesNotContain(monitor.Rules, r => r.Id == MonitorRuleIds.MessagesRate);
        Assert.Contains(monitor.Rules, r => r.Id == MonitorRuleIds.MessagesBaseline);
        var burst = Assert.Single(monitor.Rules, r => r.Id == MonitorRuleIds.RcptDomainsBurst);
        Assert.Equal(MonitorAction.Defer, burst.Action);
        Assert.Equal(12, burst.When.Terms[0].Threshold);
        var tenant = Assert.Single(monitor.Rules, r => r.Id == "monitor.tenant.volume");
        Assert.Equal(MonitorKeyKind.Tenant, tenant.Scope);
    }

    [Fact]
    public void Hour_of_week_and_population_signals_are_readable_in_rules_from_yaml()
    {
        string yaml = Tenants + """
            monitor:
              population_half_life_hours: 48
              rules:
                - id: monitor.night.volume
                  when: "messages.1h >= 30 and messages_vs_how.1h >= 4 and recipients_vs_how.1h >= 4 and new_domain_messages_vs_how.1h >= 2"
                  action: defer
                - id: monitor.peers.volume
                  when: "messages_vs_population.1h >= 10 and recipients_vs_population.1h >= 10 and new_domain_messages_vs_population.1h >= 5"
                  severity: high
            """;
        var monitor = ConfigLoader.Load(yaml, "/etc/relaywarden.yaml").Monitor;

        Assert.Equal(48, monitor.PopulationHalfLifeHours);
        Assert.Contains(monitor.Rules, r => r.Id == MonitorRuleIds.NewDomainsHourOfWeek);
        Assert.Contains(monitor.Rules, r => r.Id == MonitorRuleIds.MessagesHourOfWeek);
        var night = Assert.Single(monitor.Rules, r => r.Id == "monitor.night.volume");
        Assert.Equal(
            [SignalMeasure.Messages, SignalMeasure.MessagesVsHourOfWeek, SignalMeasure.RecipientsVsHourOfWeek, SignalMeasure.NewDomainMessagesVsHourOfWeek],
            night.When.Terms.Select(t => t.Signal.Measure));
        Assert.Equal(["messages_vs_how.1h", "recipients_vs_how.1h"], night.When.Terms.Skip(1).Take(2).Select(t => t.Signal.ToString()));
        var peers = Assert.Single(monitor.Rules, r => r.Id == "monitor.peers.volume");
        Assert.Equal(
            [SignalMeasure.MessagesVsPopulation, SignalMeasure.RecipientsVsPopulation, SignalMeasure.NewDomainMessagesVsPopulation],
            peers.When.Terms.Select(t => t.Signal.Measure));
        Assert.Equal(5, peers.When.Terms[2].Threshold);

        // The loaded rules run: a peer-relative rule fires through a monitor built from this configuration.
        var behavior = new BehaviorMonitor(monitor with { Rules = [peers with { When = MonitorCondition.Parse("messages_vs_population.1h >= 10") }] },
            new InMemoryMonitorStore(), TimeProvider.System);
        var start = new DateTimeOffset(2025, 4, 21, 8, 0, 0, TimeSpan.Zero);
        MonitorDecision decision = MonitorDecision.None;
        for (int i = 0; i < 10; i++)
        {
            decision = behavior.Observe(new Observation { Time = start.AddMinutes(i), Account = "alice@acme.example", Tenant = "acme", Recipients = ["bob@partner.example"] });
        }

        Assert.Equal("monitor.peers.volume", Assert.Single(decision.Reasons).Rule);
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("NaN")]
    [InlineData("week")]
    public void A_bad_population_half_life_is_reported(string value)
    {
        string yaml = Tenants + $"monitor:\n  population_half_life_hours: {value}\n";
        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, "/etc/relaywarden.yaml"));
        Assert.Contains("monitor.population_half_life_hours", exception.Errors.Select(e => e.Place));
    }

    [Fact]
    public void Mistakes_in_the_monitor_section_are_reported_with_their_place()
    {
        string yaml = Tenants + """
            monitor:
              colour: blue
              disable: [monitor.no-such-rule]
              rules:
                - id: monitor.bad
                  when: "messages.2h >= 5"
                - id: Bad Id
                  when: "messages.1h >= 5"
                - id: monitor.bad-action
                  when: "messages.1h >= 5"
                  action: explode
            """;
        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, "/etc/relaywarden.yaml"));
        var places = exception.Errors.Select(e => e.Place).ToList();
        Assert.Contains("monitor.colour", places);
        Assert.Contains("monitor.disable", places);
        Assert.Contains("monitor.rules[0].when", places);
        Assert.Contains("monitor.rules[1].id", places);
        Assert.Contains("monitor.rules[2].action", places);
    }
}
