using RelayWarden.Core.Monitor;

namespace RelayWarden.LogHunt.Hunting;

/// <summary>How past traffic is replayed through the behavior monitor.</summary>
public sealed record HuntOptions
{
    /// <summary>The monitor rules and settings (<c>monitor:</c> of the configuration). Default the shipped set.</summary>
    public MonitorOptions Monitor { get; init; } = MonitorOptions.Default;

    /// <summary>
    /// Also replay messages without a SASL login, keyed <c>ip:ADDRESS</c>. Default false: a mail log also holds
    /// inbound mail from the whole Internet, and the hunt is for the domain's own accounts.
    /// </summary>
    public bool IncludeUnauthenticated { get; init; }

    /// <summary>
    /// Latest messages kept for alert evidence (top domains, sample message ids), replacing the inline default of
    /// 16,384. Default 2,048: a replay reads hundreds of thousands of messages a second, and a ring that large keeps
    /// every message alive past the young GC generation (twice the GC time measured); the alerting account's own
    /// latest messages are still in a 2,048 ring at the moment it fires.
    /// </summary>
    public int EvidenceMessages { get; init; } = 2048;

    /// <summary>
    /// Monitor state of a key idle for longer than this is dropped (checked every log hour), so memory stays
    /// bounded on endless input. Default 8 days: above the 24 h windows and the rules' 7-day history.
    /// </summary>
    public TimeSpan StateRetention { get; init; } = TimeSpan.FromDays(8);
}
