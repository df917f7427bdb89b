using System.Net;

namespace RelayWarden.Core.Directory;

/// <summary>
/// The tenant directory: who owns a domain (nearest claimed parent), which tenant a client address
/// belongs to (longest prefix), and which tenant a login belongs to. Immutable once built; every
/// lookup is a handful of hash probes, whatever the number of tenants.
/// </summary>
public sealed class TenantDirectory
{
    private readonly Dictionary<string, DomainOwner> _domains;
    private readonly Dictionary<string, DomainOwner>.AlternateLookup<ReadOnlySpan<char>> _domainsBySpan;
    private readonly Dictionary<string, TenantUser> _logins;
    private readonly Dictionary<string, Tenant> _tenants;
    private readonly IpPrefixTable<Tenant> _networks;

    private TenantDirectory(Dictionary<string, Tenant> tenants, Dictionary<string, DomainOwner> domains, Dictionary<string, TenantUser> logins, IpPrefixTable<Tenant> networks)
    {
        _tenants = tenants;
        _domains = domains;
        _domainsBySpan = domains.GetAlternateLookup<ReadOnlySpan<char>>();
        _logins = logins;
        _networks = networks;
    }

    /// <summary>An empty directory (every client is unknown).</summary>
    public static TenantDirectory Empty { get; } = Build([], out _);

    /// <summary>All tenants, in configuration order.</summary>
    public IReadOnlyCollection<Tenant> Tenants => _tenants.Values;

    public int DomainCount => _domains.Count;

    public int NetworkCount => _networks.Count;

    public int LoginCount => _logins.Count;

    /// <summary>
    /// Builds a directory and reports every conflict: a tenant id used twice, a domain, network or
    /// login claimed twice. A directory with errors must not be used.
    /// </summary>
    public static TenantDirectory Build(IEnumerable<Tenant> tenants, out IReadOnlyList<DirectoryError> errors)
    {
        var problems = new List<DirectoryError>();
        var byId = new Dictionary<string, Tenant>(StringComparer.Ordinal);
        var domains = new Dictionary<string, DomainOwner>(StringComparer.Ordinal);
        var logins = new Dictionary<string, TenantUser>(StringComparer.OrdinalIgnoreCase);
        var networks = new IpPrefixTable<Tenant>();

        foreach (var tenant in tenants)
        {
            string place = $"tenants[{tenant.Id}]";
            if (!byId.TryAdd(tenant.Id, tenant))
            {
                problems.Add(new DirectoryError($"{place}.id", $"tenant id '{tenant.Id}' is used twice"));
                continue;
            }

            foreach (var claim in tenant.Domains)
            {
                if (!domains.TryAdd(claim.Name, new DomainOwner(tenant, claim)))
                {
                    var other = domains[claim.Name].Tenant;
                    problems.Add(new DirectoryError($"{place}.domains", other == tenant
                        ? $"domain '{claim.Name}' is listed twice"
                        : $"domain '{claim.Name}' is already claimed by tenant '{other.Id}'"));
                }
            }

            foreach (var network in tenant.Networks)
            {
                if (!networks.TryAdd(network, tenant, out var existing))
                {
                    problems.Add(new DirectoryError($"{place}.networks", existing == tenant
                        ? $"network {network} is listed twice"
                        : $"network {network} is already claimed by tenant '{existing.Id}'"));
                }
            }

            foreach (var user in tenant.Users)
            {
                user.Tenant = tenant;
                if (!logins.TryAdd(user.Login, user))
                {
                    var other = logins[user.Login].Tenant;
                    problems.Add(new DirectoryError($"{place}.users", other == tenant
                        ? $"login '{user.Login}' is listed twice"
                        : $"login '{user.Login}' already belongs to tenant '{other.Id}'"));
                }
            }
        }

        errors = problems;
        return new TenantDirectory(byId, domains, logins, networks);
    }

    /// <summary>A tenant by id.</summary>
    public Tenant? FindTenant(string id) => _tenants.GetValueOrDefault(id);

    /// <summary>A login (case-insensitive).</summary>
    public TenantUser? FindLogin(string login) => _logins.GetValueOrDefault(login);

    /// <summary>The tenant whose network holds <paramref name="address"/> (longest prefix), or null.</summary>
    public Tenant? FindNetwork(IPAddress address) => _networks.Find(address);

    /// <summary>The tenant of exactly <paramref name="network"/> (same address and prefix length), or null.</summary>
    public Tenant? FindNetworkExactly(IPNetwork network) => _networks.FindExact(network);

    /// <summary>
    /// The owner of a normalized domain: the claim of the name itself, else of its nearest parent
    /// whose claim covers subdomains. Null when nobody claims it (an external domain).
    /// </summary>
    public DomainOwner? FindOwner(ReadOnlySpan<char> normalizedDomain)
    {
        var name = normalizedDomain;
        if (_domainsBySpan.TryGetValue(name, out var exact))
        {
            return exact;
        }

        while (true)
        {
            int dot = name.IndexOf('.');
            if (dot < 0)
            {
                return null;
            }

            name = name[(dot + 1)..];
            if (_domainsBySpan.TryGetValue(name, out var parent) && parent.Claim.Subdomains)
            {
                return parent;
            }
        }
    }
}
