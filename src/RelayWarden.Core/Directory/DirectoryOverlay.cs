using System.Net;
using RelayWarden.Core.Control;

namespace RelayWarden.Core.Directory;

/// <summary>
/// Merges the operators' overlay (control store) into the configuration's directory: stored tenants
/// join, verified or overridden domain claims become owned by their tenant, stored networks map client
/// addresses to their tenant. Pending and failed claims give nothing, so mail from such a domain is
/// refused exactly as mail from an unknown domain. The configuration wins every conflict: an overlay
/// entry that clashes with it (or with an earlier overlay entry) is left out and reported.
/// </summary>
public static class DirectoryOverlay
{
    /// <summary>
    /// The effective directory. Returns <paramref name="configured"/> itself when the overlay adds
    /// nothing; <paramref name="skipped"/> lists the overlay entries left out, with the reason.
    /// </summary>
    public static TenantDirectory Apply(TenantDirectory configured, IReadOnlyList<StoredTenant> tenants, IReadOnlyList<StoredDomainClaim> claims,
        IReadOnlyList<StoredNetwork> networks, out IReadOnlyList<DirectoryError> skipped)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(networks);
        var problems = new List<DirectoryError>();
        skipped = problems;
        if (tenants.Count == 0 && networks.Count == 0 && !claims.Any(c => c.Grants))
        {
            return configured;
        }

        // Tenant id -> (domains, networks) to add; configuration tenants first, in their order.
        var order = new List<string>();
        var extraDomains = new Dictionary<string, List<DomainClaim>>(StringComparer.Ordinal);
        var extraNetworks = new Dictionary<string, List<IPNetwork>>(StringComparer.Ordinal);
        var stored = new Dictionary<string, StoredTenant>(StringComparer.Ordinal);
        foreach (var tenant in configured.Tenants)
        {
            order.Add(tenant.Id);
        }

        foreach (var tenant in tenants)
        {
            if (configured.FindTenant(tenant.Id) is not null)
            {
                problems.Add(new DirectoryError($"overlay.tenants[{tenant.Id}]", $"tenant '{tenant.Id}' is also in the configuration; the configuration's is used"));
            }
            else if (stored.TryAdd(tenant.Id, tenant))
            {
                order.Add(tenant.Id);
            }
        }

        bool Known(string id) => configured.FindTenant(id) is not null || stored.ContainsKey(id);

        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in claims)
        {
            if (!claim.Grants)
            {
                continue;
            }

            string place = $"overlay.domains[{claim.Domain}]";
            if (!Known(claim.Tenant))
            {
                problems.Add(new DirectoryError(place, $"tenant '{claim.Tenant}' does not exist"));
            }
            else if (configured.FindOwner(claim.Domain) is { } owner && owner.Claim.Name == claim.Domain)
            {
                problems.Add(new DirectoryError(place, $"domain '{claim.Domain}' is owned by tenant '{owner.Tenant.Id}' in the configuration"));
            }
            else if (taken.Add(claim.Domain))
            {
                Add(extraDomains, claim.Tenant, new DomainClaim(claim.Domain));
            }
        }

        var addedNetworks = new IpPrefixTable<string>();
        foreach (var network in networks)
        {
            string place = $"overlay.networks[{network.Network}]";
            if (!IPNetwork.TryParse(network.Network, out var parsed))
            {
                problems.Add(new DirectoryError(place, $"'{network.Network}' is not a CIDR network"));
            }
            else if (!Known(network.Tenant))
            {
                problems.Add(new DirectoryError(place, $"tenant '{network.Tenant}' does not exist"));
            }
            else if (configured.FindNetworkExactly(parsed) is { } other)
            {
                problems.Add(new DirectoryError(place, $"network {parsed} belongs to tenant '{other.Id}' in the configuration"));
            }
            else if (addedNetworks.TryAdd(parsed, network.Tenant, out _))
            {
                Add(extraNetworks, network.Tenant, parsed);
            }
        }

        var merged = new List<Tenant>(order.Count);
        foreach (string id in order)
        {
            var domains = extraDomains.GetValueOrDefault(id);
            var nets = extraNetworks.GetValueOrDefault(id);
            if (configured.FindTenant(id) is { } tenant)
            {
                merged.Add(new Tenant
                {
                    Id = tenant.Id,
                    Name = tenant.Name,
                    Kind = tenant.Kind,
                    CreatedBy = tenant.CreatedBy,
                    Status = tenant.Status,
                    CreatedAt = tenant.CreatedAt,
                    Domains = domains is null ? tenant.Domains : [.. tenant.Domains, .. domains],
                    Networks = nets is null ? tenant.Networks : [.. tenant.Networks, .. nets],
                    ExternalFrom = tenant.ExternalFrom,

                    // Fresh users: building a directory points each user at its tenant, and the running engine still uses the old ones.
                    Users = [.. tenant.Users.Select(u => new TenantUser(u.Login, u.Addresses, u.PasswordHash))],
                });
            }
            else
            {
                var added = stored[id];
                merged.Add(new Tenant
                {
                    Id = added.Id,
                    Name = added.Name,
                    CreatedAt = added.CreatedAt,
                    Domains = domains ?? [],
                    Networks = nets ?? [],
                });
            }
        }

        var directory = TenantDirectory.Build(merged, out var errors);
        problems.AddRange(errors);
        return directory;
    }

    /// <summary>
    /// Why <paramref name="tenant"/> may not claim <paramref name="domain"/> (normalized), or null when it may:
    /// the tenant must exist in <paramref name="effective"/>, and nobody may own the domain already
    /// (itself or through a parent claim covering subdomains) nor hold a claim of it in <paramref name="claims"/>.
    /// </summary>
    public static string? ClaimConflict(TenantDirectory effective, IReadOnlyList<StoredDomainClaim> claims, string tenant, string domain)
    {
        ArgumentNullException.ThrowIfNull(effective);
        ArgumentNullException.ThrowIfNull(claims);
        if (effective.FindTenant(tenant) is null)
        {
            return $"tenant '{tenant}' does not exist";
        }

        if (claims.FirstOrDefault(c => c.Domain == domain) is { } existing)
        {
            return existing.Tenant == tenant
                ? $"tenant '{tenant}' has already claimed {domain} ({existing.State.ToString().ToLowerInvariant()})"
                : $"{domain} is already claimed by tenant '{existing.Tenant}' ({existing.State.ToString().ToLowerInvariant()})";
        }

        if (effective.FindOwner(domain) is { } owner)
        {
            string through = owner.Claim.Name == domain ? string.Empty : $" through {owner.Claim.Name}";
            return owner.Tenant.Id == tenant
                ? $"tenant '{tenant}' already owns {domain}{through}"
                : $"{domain} is already owned by tenant '{owner.Tenant.Id}'{through}";
        }

        return null;
    }

    /// <summary>Why <paramref name="tenant"/> may not have <paramref name="network"/>, or null when it may (the exact network must be nobody's).</summary>
    public static string? NetworkConflict(TenantDirectory effective, string tenant, IPNetwork network)
    {
        ArgumentNullException.ThrowIfNull(effective);
        if (effective.FindTenant(tenant) is null)
        {
            return $"tenant '{tenant}' does not exist";
        }

        return effective.FindNetworkExactly(network) is { } owner
            ? $"network {network} already belongs to tenant '{owner.Id}'"
            : null;
    }

    private static void Add<T>(Dictionary<string, List<T>> map, string key, T value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(value);
    }
}
