namespace RelayWarden.Hosting.Reports;

/// <summary>
/// Totals of one group of an incident report. Accepted = relayed or held (held is also counted apart);
/// refused = rejected or deferred at any stage. Recipients count accepted messages' recipients,
/// refused recipients the refused ones; recipient domains are distinct over both.
/// </summary>
public sealed record IncidentCounts
{
    public long Accepted { get; init; }

    public long Held { get; init; }

    public long Refused { get; init; }

    public long Recipients { get; init; }

    public long RefusedRecipients { get; init; }

    public long RecipientDomains { get; init; }

    public DateTimeOffset? FirstSeen { get; init; }

    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>Accepted plus refused.</summary>
    public long Messages => Accepted + Refused;
}
