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
}
