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
