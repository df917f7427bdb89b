using System.Globalization;
using RelayWarden.Core.Monitor;
using YamlDotNet.RepresentationModel;

namespace RelayWarden.Hosting.Configuration;

/// <summary>The <c>monitor:</c> section: settings, the shipped rules to keep or disable, and rules of one's own.</summary>
public static partial class ConfigLoader
{
    private static readonly (string, MonitorAction)[] s_monitorActions =
        [("alert", MonitorAction.Alert), ("hold", MonitorAction.Hold), ("defer", MonitorAction.Defer), ("reject", MonitorAction.Reject), ("suspend", MonitorAction.Suspend)];

    private static readonly (string, MonitorSeverity)[] s_severities =
        [("low", MonitorSeverity.Low), ("medium", MonitorSeverity.Medium), ("high", MonitorSeverity.High), ("critical", MonitorSeverity.Critical)];

    private static readonly (string, MonitorKeyKind)[] s_scopes =
        [("account", MonitorKeyKind.Account), ("tenant", MonitorKeyKind.Tenant), ("client_ip", MonitorKeyKind.ClientIp), ("sender", MonitorKeyKind.Sender)];

    private static MonitorOptions ReadMonitor(YamlNodes nodes, YamlNode? node)
    {
        if (nodes.Mapping(node, "monitor") is not { } map)
        {
            return MonitorOptions.Default;
        }

        nodes.CheckKeys(map, "monitor", "enabled", "alert_dedup_minutes", "baseline_half_life_hours", "population_half_life_hours", "preexisting_hours", "default_rules", "enable", "disable", "rules");
        var defaults = MonitorOptions.Default;
        bool useDefaults = nodes.Bool(YamlNodes.Get(map, "default_rules"), "monitor.default_rules") ?? true;
        var rules = new List<MonitorRule>(useDefaults ? DefaultMonitorRules.All : []);

        foreach (var (id, item) in nodes.Strings(YamlNodes.Get(map, "enable"), "monitor.enable"))
        {
            if (DefaultMonitorRules.Optional.FirstOrDefault(r => r.Id == id) is { } optional)
            {
                rules.Add(optional);
            }
            else
            {
                nodes.Error("monitor.enable", $"'{id}' is not an opt-in rule id (see docs/MONITOR.md)", item);
            }
        }

        foreach (var (id, item) in nodes.Strings(YamlNodes.Get(map, "disable"), "monitor.disable"))
        {
            if (rules.RemoveAll(r => r.Id == id) == 0)
            {
                nodes.Error("monitor.disable", $"'{id}' is not a default rule id (see docs/MONITOR.md)", item);
            }
        }

        if (nodes.Sequence(YamlNodes.Get(map, "rules"), "monitor.rules") is { } list)
        {
            int i = 0;
            foreach (var item in list)
            {
                string place = $"monitor.rules[{i++}]";
                if (nodes.Mapping(item, place) is not { } ruleMap)
                {
                    continue;
                }

                nodes.CheckKeys(ruleMap, place, "id", "when", "severity", "action", "scope", "description");
                string? id = nodes.String(YamlNodes.Get(ruleMap, "id"), $"{place}.id");
                string? when = nodes.String(YamlNodes.Get(ruleMap, "when"), $"{place}.when");
                if (id is null || !id.StartsWith("monitor.", StringComparison.Ordinal) || id.Any(c => char.IsWhiteSpace(c) || char.IsUpper(c)))
                {
                    nodes.Error($"{place}.id", id is null ? "missing" : $"'{id}' is not a dotted lower-case id starting with 'monitor.'", item);
                    continue;
                }

                if (when is null)
                {
                    nodes.Error($"{place}.when", "missing: a condition such as 'messages.1h >= 100'", item);
                    continue;
                }

                if (!MonitorCondition.TryParse(when, out var condition, out string? problem))
                {
                    nodes.Error($"{place}.when", problem!, YamlNodes.Get(ruleMap, "when"));
                    continue;
                }

                var rule = new MonitorRule
                {
                    Id = id,
                    When = condition,
                    Severity = nodes.Enum(YamlNodes.Get(ruleMap, "severity"), $"{place}.severity", s_severities) ?? MonitorSeverity.Medium,
                    Action = nodes.Enum(YamlNodes.Get(ruleMap, "action"), $"{place}.action", s_monitorActions) ?? MonitorAction.Alert,
                    Scope = nodes.Enum(YamlNodes.Get(ruleMap, "scope"), $"{place}.scope", s_scopes) ?? MonitorKeyKind.Account,
                    Description = nodes.String(YamlNodes.Get(ruleMap, "description"), $"{place}.description"),
                };
                int existing = rules.FindIndex(r => r.Id == id);
                if (existing >= 0)
                {
                    rules[existing] = rule;
                }
                else
                {
                    rules.Add(rule);
                }
            }
        }

        double halfLife = defaults.BaselineHalfLifeHours;
        if (nodes.String(YamlNodes.Get(map, "baseline_half_life_hours"), "monitor.baseline_half_life_hours") is { } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out halfLife) || !(halfLife is >= 1 and <= 10_000))
            {
                nodes.Error("monitor.baseline_half_life_hours", $"'{text}' is not a number of hours from 1 to 10000", YamlNodes.Get(map, "baseline_half_life_hours"));
                halfLife = defaults.BaselineHalfLifeHours;
            }
        }

        double populationHalfLife = defaults.PopulationHalfLifeHours;
        if (nodes.String(YamlNodes.Get(map, "population_half_life_hours"), "monitor.population_half_life_hours") is { } populationText)
        {
            if (!double.TryParse(populationText, NumberStyles.Float, CultureInfo.InvariantCulture, out populationHalfLife) || !(populationHalfLife is >= 1 and <= 10_000))
            {
                nodes.Error("monitor.population_half_life_hours", $"'{populationText}' is not a number of hours from 1 to 10000", YamlNodes.Get(map, "population_half_life_hours"));
                populationHalfLife = defaults.PopulationHalfLifeHours;
            }
        }

        long? dedup = nodes.Integer(YamlNodes.Get(map, "alert_dedup_minutes"), "monitor.alert_dedup_minutes", 0, 60 * 24 * 30);
        long? preexisting = nodes.Integer(YamlNodes.Get(map, "preexisting_hours"), "monitor.preexisting_hours", 0, 24 * 365);
        return new MonitorOptions
        {
            Enabled = nodes.Bool(YamlNodes.Get(map, "enabled"), "monitor.enabled") ?? true,
            Rules = rules,
            AlertDedup = dedup is { } minutes ? TimeSpan.FromMinutes(minutes) : defaults.AlertDedup,
            BaselineHalfLifeHours = halfLife,
            PopulationHalfLifeHours = populationHalfLife,
            PreexistingHours = preexisting ?? defaults.PreexistingHours,
        };
    }
}
