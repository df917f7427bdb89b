namespace RelayWarden.Core.Records;

/// <summary>
/// Counts of the decisions in one time bucket [<see cref="Start"/>, start + bucket).
/// Accepted = relayed or held messages; recipients and recipient domains count accepted messages only.
/// </summary>
public sealed record ActivityBucket
{
    /// <summary>Most buckets one series may hold (a week per minute is 10,080).</summary>
    public const int MaxBuckets = 20_000;

    public required DateTimeOffset Start { get; init; }

    /// <summary>Messages accepted (relayed or held).</summary>
    public long Accepted { get; init; }

    /// <summary>Of <see cref="Accepted"/>, the messages held for review.</summary>
    public long Held { get; init; }

    /// <summary>Refused decisions (5xx) at any stage.</summary>
    public long Rejected { get; init; }

    /// <summary>Deferred decisions (4xx) at any stage.</summary>
    public long Deferred { get; init; }

    /// <summary>Recipients of the accepted messages.</summary>
    public long Recipients { get; init; }

    /// <summary>Distinct recipient domains of the accepted messages.</summary>
    public long RecipientDomains { get; init; }

    /// <summary>Rejected plus deferred.</summary>
    public long Refused => Rejected + Deferred;
}
