namespace RelayWarden.Core.Policy;

/// <summary>
/// The header field that marks a message relayed although a rule failed on it, the rule being in
/// <c>monitor</c> mode (<see cref="PolicyOptions.MonitorHeader"/>): one wording for every front door.
/// </summary>
public static class MonitorHeader
{
    /// <summary>True when <paramref name="name"/> can be a header field name (RFC 5322 2.2: printable ASCII but the colon; 1-76 characters).</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 76 && name.All(c => c is > ' ' and < (char)127 and not ':');

    /// <summary>
    /// The field to add for <paramref name="verdict"/> under <paramref name="options"/>: its name
    /// (<see cref="PolicyOptions.MonitorHeader"/>) and value, or null when none is configured or due.
    /// </summary>
    public static (string Name, string Value)? Field(PolicyOptions options, Verdict verdict) =>
        options.MonitorHeader is { } name && Value(verdict) is { } rules ? (name, rules) : null;

    /// <summary>
    /// The field's value for <paramref name="verdict"/> — the ids of the rules that failed without
    /// changing the action, comma-separated — or null when the verdict is not a relay or no rule failed.
    /// </summary>
    public static string? Value(Verdict verdict)
    {
        if (verdict.Action != VerdictAction.Relay)
        {
            return null;
        }

        List<string>? rules = null;
        foreach (var reason in verdict.Reasons)
        {
            if (reason.Outcome == ReasonOutcome.Fail && !(rules ??= []).Contains(reason.Rule))
            {
                rules.Add(reason.Rule);
            }
        }

        // Rule ids are [a-z0-9.-] by construction (RuleIds, monitor rules checked at load); anything
        // else is dropped rather than written into a header.
        return rules is null ? null : string.Join(", ", rules.Select(r => new string(r.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_').ToArray())));
    }
}
