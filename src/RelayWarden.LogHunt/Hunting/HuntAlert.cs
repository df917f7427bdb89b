using RelayWarden.Core.Monitor;

namespace RelayWarden.LogHunt.Hunting;

/// <summary>
/// An alert of the behavior monitor raised over past traffic: the account, the log time of the line at which it
/// fired, the monitor's alert (rule, figures, top domains, samples) and the account's window figures then.
/// </summary>
public sealed record HuntAlert
{
    public required string Account { get; init; }

    /// <summary>The log timestamp of the line at which the alert fired.</summary>
    public required DateTimeOffset DetectedAt { get; init; }

    public required MonitorAlert Alert { get; init; }

    public string? ClientIp { get; init; }

    public string? QueueId { get; init; }

    /// <summary>Messages, recipients, distinct recipient domains and refused share in the last hour of the account at detection.</summary>
    public required WindowFigures Window { get; init; }
}
