namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>How recipient ids of a data set without domains become addresses.</summary>
public enum DomainMapping
{
    /// <summary>Every distinct recipient is its own domain: the worst case for distinct-domain and new-domain rules.</summary>
    WorstCase,
    /// <summary>
    /// 25 domains with Zipf(1) weights (the largest holds 26% of the people), each person placed by a
    /// seeded hash of its id: an organization's own domain, subsidiaries and regular partners.
    /// </summary>
    Realistic,
}
