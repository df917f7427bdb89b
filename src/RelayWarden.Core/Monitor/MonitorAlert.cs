namespace RelayWarden.Core.Monitor;

/// <summary>
/// An alert with the evidence a person needs to confirm from the record alone: the window figures,
/// recent recipient domains, sample message ids and subject hashes, and the rule. One per key and rule
/// within <see cref="MonitorOptions.AlertDedup"/>.
/// </summary>
public sealed record MonitorAlert
{
    public required string Rule { get; init; }

    public required MonitorSeverity Severity { get; init; }

    public required MonitorAction Action { get; init; }

    public required MonitorKeyKind Scope { get; init; }

    public required string Key { get; init; }

    /// <summary>Event time of the message that fired the rule.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The condition as configured.</summary>
    public required string Condition { get; init; }

    /// <summary>Every signal the condition reads, plus the standard window figures, by name.</summary>
    public required IReadOnlyDictionary<string, double> Figures { get; init; }

    /// <summary>Most frequent recipient domains among the recent messages, with counts.</summary>
    public required IReadOnlyList<(string Domain, int Count)> TopDomains { get; init; }

    public required IReadOnlyList<string> SampleMessageIds { get; init; }

    public required IReadOnlyList<string> SubjectHashes { get; init; }
}
