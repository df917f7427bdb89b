namespace RelayWarden.Core.Monitor;

/// <summary>A behavior rule as data: a stable dotted id, a condition over one key's signals, a severity and an action.</summary>
public sealed record MonitorRule
{
    /// <summary>Stable dotted id, e.g. <c>monitor.rcpt-domains.burst</c>: the same in reasons, alerts, config and docs.</summary>
    public required string Id { get; init; }

    public required MonitorCondition When { get; init; }

    public MonitorSeverity Severity { get; init; } = MonitorSeverity.Medium;

    public MonitorAction Action { get; init; } = MonitorAction.Alert;

    /// <summary>Whose signals the condition reads. Default the account.</summary>
    public MonitorKeyKind Scope { get; init; } = MonitorKeyKind.Account;

    /// <summary>Why the threshold is what it is (docs and alert text).</summary>
    public string? Description { get; init; }
}
