using System.Security.Cryptography;
using RelayWarden.Core.Control;
using RelayWarden.Core.Directory;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Mail.Addresses;

namespace RelayWarden.Hosting.Control;

/// <summary>
/// Operators' changes to the directory overlay (tenants, domain claims, networks), shared by the CLI
/// and the web console: validates input, refuses conflicts with the configuration and the store,
/// checks claims' TXT records, and writes to the control store (which audits every change). The
/// engine picks changes up through <see cref="EngineSource"/>; <c>changed</c> makes that immediate
/// in the same process.
/// </summary>
public sealed class DirectoryAdmin
{
    /// <summary>The name recorded for changes the host makes by itself (periodic rechecks).</summary>
    public const string SystemActor = "relaywarden";

    private readonly RelayWardenConfig _config;
    private readonly IControlStore _store;
    private readonly DomainTxtVerifier _verifier;
    private readonly TimeProvider _time;
    private readonly Action? _changed;

    public DirectoryAdmin(RelayWardenConfig config, IControlStore store, DomainTxtVerifier verifier, TimeProvider time, Action? changed = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(verifier);
        _config = config;
        _store = store;
        _verifier = verifier;
        _time = time ?? TimeProvider.System;
        _changed = changed;
    }

    public DomainClaimOptions Options => _verifier.Options;

    /// <summary>The configuration's directory with the stored overlay merged in (what the engine uses).</summary>
    public TenantDirectory Effective() => Effective(_config.Directory, _store, out _);

    /// <summary>Merges the overlay of <paramref name="store"/> into <paramref name="configured"/>; <paramref name="skipped"/> lists entries left out.</summary>
    public static TenantDirectory Effective(TenantDirectory configured, IDirectoryOverlayStore store, out IReadOnlyList<DirectoryError> skipped)
    {
        ArgumentNullException.ThrowIfNull(store);
        return DirectoryOverlay.Apply(configured, store.StoredTenants(), store.DomainClaims(), store.StoredNetworks(), out skipped);
    }

    /// <summary>Where the claim's TXT record goes (<c>_relaywarden.example.net</c>).</summary>
    public string RecordName(StoredDomainClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return Options.RecordName(claim.Domain);
    }

    /// <summary>What the claim's TXT record must hold (<c>relaywarden-verify=TOKEN</c>).</summary>
    public static string RecordValue(StoredDomainClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return DomainClaimOptions.RecordValue(claim.Token);
    }

    /// <summary>Adds a tenant (an id not used in the configuration nor the store).</summary>
    public AdminResult<StoredTenant> AddTenant(string id, string? name, string by)
    {
        id = (id ?? string.Empty).Trim();
        if (!ConfigLoader.IsTenantId(id))
        {
            return AdminResult<StoredTenant>.Refused(AdminFailure.Invalid, $"'{id}' is not a tenant id (lower-case letters, digits and '-', at most 63)");
        }

        if (name is not null && (name.Length > 200 || name.Any(char.IsControl)))
        {
            return AdminResult<StoredTenant>.Refused(AdminFailure.Invalid, "a tenant name has at most 200 characters and no control characters");
        }

        if (_config.Directory.FindTenant(id) is not null)
        {
            return AdminResult<StoredTenant>.Refused(AdminFailure.Conflict, $"tenant '{id}' already exists in the configuration");
        }

        var tenant = new StoredTenant(id, string.IsNullOrWhiteSpace(name) ? null : name.Trim(), _time.GetUtcNow(), Actor(by));
        if (!_store.AddTenant(tenant))
        {
            return AdminResult<StoredTenant>.Refused(AdminFailure.Conflict, $"tenant '{id}' already exists");
        }

        _changed?.Invoke();
        return AdminResult<StoredTenant>.Success(tenant);
    }

    /// <summary>Claims a domain for a tenant: a pending claim with a fresh random token, refused when anyone owns or claims the domain.</summary>
    public AdminResult<StoredDomainClaim> Claim(string tenant, string domain, string by)
    {
        if (!TryDomain(domain, out string name, out string? problem))
        {
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.Invalid, problem!);
        }

        tenant = (tenant ?? string.Empty).Trim();
        var effective = Effective();
        if (DirectoryOverlay.ClaimConflict(effective, _store.DomainClaims(), tenant, name) is { } conflict)
        {
            return AdminResult<StoredDomainClaim>.Refused(effective.FindTenant(tenant) is null ? AdminFailure.NotFound : AdminFailure.Conflict, conflict);
        }

        var claim = new StoredDomainClaim(name, tenant, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), ClaimState.Pending, _time.GetUtcNow(), Actor(by));
        if (!_store.AddDomainClaim(claim))
        {
            var other = _store.FindDomainClaim(name);
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.Conflict, $"{name} is already claimed by tenant '{other?.Tenant ?? "?"}'");
        }

        return AdminResult<StoredDomainClaim>.Success(claim);
    }

    /// <summary>
    /// Looks up the claim's TXT record now: found → verified (the tenant owns the domain from the next
    /// engine rebuild); missing or wrong → failed, with what was found; a DNS error leaves the state
    /// as it was. Audited with the result. A claim that already grants is returned unchanged.
    /// </summary>
    public async Task<AdminResult<StoredDomainClaim>> VerifyAsync(string domain, string by, CancellationToken cancellationToken)
    {
        if (!TryDomain(domain, out string name, out string? problem))
        {
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.Invalid, problem!);
        }

        if (_store.FindDomainClaim(name) is not { } claim)
        {
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.NotFound, $"{name} is not claimed");
        }

        if (claim.Grants)
        {
            return AdminResult<StoredDomainClaim>.Success(claim);
        }

        await CheckAsync(claim, Actor(by), audit: true, cancellationToken).ConfigureAwait(false);
        return _store.FindDomainClaim(name) is { } after
            ? AdminResult<StoredDomainClaim>.Success(after)
            : AdminResult<StoredDomainClaim>.Refused(AdminFailure.NotFound, $"{name} was withdrawn during the check");
    }

    /// <summary>Gives a pending or failed claim's domain to its tenant without the record; the reason is required and audited.</summary>
    public AdminResult<StoredDomainClaim> Override(string domain, string by, string why)
    {
        if (!TryDomain(domain, out string name, out string? problem))
        {
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.Invalid, problem!);
        }

        if (string.IsNullOrWhiteSpace(why))
        {
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.Invalid, "an override needs a reason");
        }

        if (_store.FindDomainClaim(name) is not { } claim)
        {
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.NotFound, $"{name} is not claimed");
        }

        if (claim.Grants || !_store.OverrideDomainClaim(name, Actor(by), _time.GetUtcNow(), why.Trim()))
        {
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.Conflict, $"the claim of {name} is already {claim.State.ToString().ToLowerInvariant()}");
        }

        _changed?.Invoke();
        return AdminResult<StoredDomainClaim>.Success(_store.FindDomainClaim(name)!);
    }

    /// <summary>Withdraws a claim whatever its state (a verified domain stops being the tenant's).</summary>
    public AdminResult<StoredDomainClaim> Unclaim(string domain, string by, string? why)
    {
        if (!TryDomain(domain, out string name, out string? problem))
        {
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.Invalid, problem!);
        }

        if (_store.FindDomainClaim(name) is not { } claim || !_store.RemoveDomainClaim(name, Actor(by), _time.GetUtcNow(), Why(why)))
        {
            return AdminResult<StoredDomainClaim>.Refused(AdminFailure.NotFound, $"{name} is not claimed");
        }

        _changed?.Invoke();
        return AdminResult<StoredDomainClaim>.Success(claim);
    }

    /// <summary>Gives a tenant a client network (CIDR or single address); refused when that exact network is anyone's already.</summary>
    public AdminResult<StoredNetwork> AddNetwork(string tenant, string network, string by, string? why)
    {
        if (!ConfigLoader.TryParseNetwork(network ?? string.Empty, out var parsed, out string? problem))
        {
            return AdminResult<StoredNetwork>.Refused(AdminFailure.Invalid, problem!);
        }

        tenant = (tenant ?? string.Empty).Trim();
        var effective = Effective();
        if (DirectoryOverlay.NetworkConflict(effective, tenant, parsed) is { } conflict)
        {
            return AdminResult<StoredNetwork>.Refused(effective.FindTenant(tenant) is null ? AdminFailure.NotFound : AdminFailure.Conflict, conflict);
        }

        var stored = new StoredNetwork(parsed.ToString(), tenant, _time.GetUtcNow(), Actor(by), Why(why));
        if (!_store.AddNetwork(stored))
        {
            return AdminResult<StoredNetwork>.Refused(AdminFailure.Conflict, $"network {parsed} is already stored");
        }

        _changed?.Invoke();
        return AdminResult<StoredNetwork>.Success(stored);
    }

    /// <summary>Removes a stored network (the configuration's networks are changed in the configuration).</summary>
    public AdminResult<StoredNetwork> RemoveNetwork(string network, string by, string? why)
    {
        if (!ConfigLoader.TryParseNetwork(network ?? string.Empty, out var parsed, out string? problem))
        {
            return AdminResult<StoredNetwork>.Refused(AdminFailure.Invalid, problem!);
        }

        string cidr = parsed.ToString();
        var stored = _store.StoredNetworks().FirstOrDefault(n => n.Network == cidr);
        if (stored is null || !_store.RemoveNetwork(cidr, Actor(by), _time.GetUtcNow(), Why(why)))
        {
            return AdminResult<StoredNetwork>.Refused(AdminFailure.NotFound, _config.Directory.FindNetworkExactly(parsed) is { } owner
                ? $"network {cidr} belongs to tenant '{owner.Id}' in the configuration; change it there"
                : $"network {cidr} is not stored");
        }

        _changed?.Invoke();
        return AdminResult<StoredNetwork>.Success(stored);
    }

    /// <summary>Checks every pending and failed claim again (by the host, audited only when a state changes); returns how many became verified.</summary>
    public async Task<int> RecheckAsync(CancellationToken cancellationToken)
    {
        int verified = 0;
        foreach (var claim in _store.DomainClaims().Where(c => !c.Grants))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await CheckAsync(claim, SystemActor, audit: false, cancellationToken).ConfigureAwait(false) == ClaimState.Verified)
            {
                verified++;
            }
        }

        return verified;
    }

    private async Task<ClaimState> CheckAsync(StoredDomainClaim claim, string by, bool audit, CancellationToken cancellationToken)
    {
        var check = await _verifier.CheckAsync(claim.Domain, claim.Token, cancellationToken).ConfigureAwait(false);
        var (state, action) = check.Outcome switch
        {
            DomainCheckOutcome.Found => (ClaimState.Verified, "domain.verify"),
            DomainCheckOutcome.Missing => (ClaimState.Failed, "domain.verify-failed"),
            _ => (claim.State, "domain.verify-error"),
        };
        if (_store.RecordDomainCheck(claim.Domain, claim.Token, state, _time.GetUtcNow(), check.Detail, by, action, audit) && state != claim.State)
        {
            _changed?.Invoke();
        }

        return state;
    }

    private static bool TryDomain(string? text, out string name, out string? problem)
    {
        name = string.Empty;
        problem = null;
        text = (text ?? string.Empty).Trim().TrimEnd('.');
        if (!DomainName.TryNormalize(text, out string normalized, out var error))
        {
            problem = $"'{text}' is not a valid domain ({DomainName.Describe(error)})";
            return false;
        }

        if (!normalized.Contains('.', StringComparison.Ordinal))
        {
            problem = $"'{text}' is a top-level name: claim a registered domain (example.net)";
            return false;
        }

        name = normalized;
        return true;
    }

    private static string Actor(string? by) => string.IsNullOrWhiteSpace(by) ? "unknown" : by.Trim();

    private static string? Why(string? why) => string.IsNullOrWhiteSpace(why) ? null : why.Trim();
}
