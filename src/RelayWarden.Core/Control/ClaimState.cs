namespace RelayWarden.Core.Control;

/// <summary>Where a domain claim stands. Only <see cref="Verified"/> and <see cref="Overridden"/> give the tenant the domain.</summary>
public enum ClaimState
{
    /// <summary>Claimed, not checked yet (or the last check met a DNS error): mail from the domain is refused as from an unknown domain.</summary>
    Pending,
    /// <summary>The TXT record was found: the tenant owns the domain.</summary>
    Verified,
    /// <summary>An operator gave the domain to the tenant without the TXT record, with a reason.</summary>
    Overridden,
    /// <summary>The last check found no matching TXT record; rechecked until it is found or the claim is withdrawn.</summary>
    Failed,
}
