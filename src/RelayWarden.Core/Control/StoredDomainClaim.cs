namespace RelayWarden.Core.Control;

/// <summary>
/// A tenant's claim of a domain, proven by a DNS TXT record <c>LABEL.DOMAIN</c> holding
/// <c>relaywarden-verify=TOKEN</c>, or overridden by an operator with a reason.
/// </summary>
/// <param name="Domain">The normalized domain (lower case, A-labels); one claim per domain.</param>
/// <param name="Tenant">The claiming tenant's id.</param>
/// <param name="Token">The random verification token the tenant publishes.</param>
/// <param name="State">Where the claim stands.</param>
/// <param name="ClaimedAt">When it was claimed.</param>
/// <param name="ClaimedBy">Who claimed it.</param>
public sealed record StoredDomainClaim(string Domain, string Tenant, string Token, ClaimState State, DateTimeOffset ClaimedAt, string ClaimedBy)
{
    /// <summary>The last DNS check, if any.</summary>
    public DateTimeOffset? CheckedAt { get; init; }

    /// <summary>What the last check found (operator text: the record looked up and what was there, or the DNS error).</summary>
    public string? CheckResult { get; init; }

    /// <summary>The operator who overrode the check.</summary>
    public string? OverrideBy { get; init; }

    /// <summary>Why the check was overridden.</summary>
    public string? OverrideWhy { get; init; }

    /// <summary>When the claim became verified or overridden.</summary>
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>True when the claim gives the tenant the domain.</summary>
    public bool Grants => State is ClaimState.Verified or ClaimState.Overridden;
}
