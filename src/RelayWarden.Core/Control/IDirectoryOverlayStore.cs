namespace RelayWarden.Core.Control;

/// <summary>
/// The directory overlay of the control store: tenants, domain claims and networks added by operators
/// at run time, merged into the configuration's directory (<see cref="Directory.DirectoryOverlay"/>).
/// Every change is audited in the same transaction and bumps the change counter, except a recheck
/// that leaves a claim's state as it was (only its last check time and result are written).
/// </summary>
public interface IDirectoryOverlayStore
{
    IReadOnlyList<StoredTenant> StoredTenants();

    /// <summary>Adds a tenant; false when the id is taken (nothing changes).</summary>
    bool AddTenant(StoredTenant tenant);

    IReadOnlyList<StoredDomainClaim> DomainClaims();

    StoredDomainClaim? FindDomainClaim(string domain);

    /// <summary>Adds a pending claim; false when the domain is already claimed (by anyone).</summary>
    bool AddDomainClaim(StoredDomainClaim claim);

    /// <summary>
    /// Records a DNS check of the claim with <paramref name="token"/> (a claim withdrawn and claimed
    /// again meanwhile is left alone): the new state when it is still pending or failed, the time and
    /// the result. Audited as <paramref name="action"/> when the state changes or when
    /// <paramref name="audit"/>; false when there is no such claim or it is verified or overridden.
    /// </summary>
    bool RecordDomainCheck(string domain, string token, ClaimState state, DateTimeOffset at, string result, string by, string action, bool audit);

    /// <summary>Gives the domain to its claimant without the TXT record; false when there is no claim or it already grants.</summary>
    bool OverrideDomainClaim(string domain, string by, DateTimeOffset at, string why);

    /// <summary>Withdraws a claim (whatever its state); false when there was none.</summary>
    bool RemoveDomainClaim(string domain, string by, DateTimeOffset at, string? why);

    IReadOnlyList<StoredNetwork> StoredNetworks();

    /// <summary>Adds a network; false when that exact network is already stored.</summary>
    bool AddNetwork(StoredNetwork network);

    /// <summary>Removes a network; false when there was none.</summary>
    bool RemoveNetwork(string network, string by, DateTimeOffset at, string? why);
}
