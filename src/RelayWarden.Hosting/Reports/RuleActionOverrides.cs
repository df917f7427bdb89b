using RelayWarden.Core.Policy;

namespace RelayWarden.Hosting.Reports;

/// <summary>
/// "What if this rule acted otherwise": <c>RULE=ACTION</c> (or <c>RULE:ACTION</c>) pairs laid over a
/// policy's <c>policy.rule_actions</c>, for a policy replay without writing a new configuration.
/// </summary>
public static class RuleActionOverrides
{
    /// <summary>Reads the pairs; false with one message per bad pair (unknown rule id, unknown action, no separator).</summary>
    public static bool TryParse(IEnumerable<string> pairs, out IReadOnlyDictionary<string, RuleAction> overrides, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var read = new Dictionary<string, RuleAction>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (string pair in pairs)
        {
            int split = pair.AsSpan().IndexOfAny('=', ':');
            if (split <= 0 || split == pair.Length - 1)
            {
                problems.Add($"'{pair}': expected RULE=ACTION, e.g. sender.envelope.external=reject");
                continue;
            }

            string rule = pair[..split].Trim();
            string name = pair[(split + 1)..].Trim().ToLowerInvariant();
            if (!RuleIds.All.Contains(rule))
            {
                problems.Add($"'{rule}': unknown rule id (see docs/RULES.md)");
                continue;
            }

            var known = Configuration.ConfigLoader.RuleActionNames.Where(a => a.Name == name).ToArray();
            if (known.Length == 0)
            {
                problems.Add($"'{pair[(split + 1)..].Trim()}': the action of {rule} must be reject, defer, hold or monitor");
                continue;
            }

            read[rule] = known[0].Action;
        }

        overrides = read;
        errors = problems;
        return problems.Count == 0;
    }

    /// <summary><paramref name="policy"/> with <paramref name="overrides"/> laid over its rule actions.</summary>
    public static PolicyOptions Apply(PolicyOptions policy, IReadOnlyDictionary<string, RuleAction> overrides)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(overrides);
        if (overrides.Count == 0)
        {
            return policy;
        }

        var merged = new Dictionary<string, RuleAction>(policy.RuleActions, StringComparer.Ordinal);
        foreach (var (rule, action) in overrides)
        {
            merged[rule] = action;
        }

        return policy with { RuleActions = merged };
    }
}
