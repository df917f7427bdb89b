namespace RelayWarden.Core.Monitor;

/// <summary>
/// The peers of every account: one <see cref="PopulationBaseline"/> for all accounts and one per
/// tenant, fed with each account's completed active hours. A tenant's own summary is used once it
/// holds <see cref="MinTenantWeight"/> decayed account-hours, the global one before (and for
/// accounts without a tenant). At most <see cref="MaxTenants"/> tenants get their own summary (about
/// 1.7 KB each); later tenants are compared with all accounts, so memory stays bounded.
/// </summary>
public sealed class PopulationBaselines
{
    /// <summary>Tenants with a summary of their own, at most.</summary>
    public const int MaxTenants = 4096;

    /// <summary>Decayed account-hours a tenant's summary needs before its accounts are compared with it rather than with everyone.</summary>
    public const double MinTenantWeight = 50;

    private readonly double _halfLifeHours;
    private readonly Dictionary<string, PopulationBaseline> _tenants = new(StringComparer.Ordinal);

    public PopulationBaselines(double halfLifeHours)
    {
        _halfLifeHours = halfLifeHours;
        Global = new PopulationBaseline(halfLifeHours);
    }

    /// <summary>All accounts.</summary>
    public PopulationBaseline Global { get; }

    /// <summary>How many tenants have a summary of their own.</summary>
    public int TenantCount => _tenants.Count;

    /// <summary>Adds an account's completed hour (ignored when it holds no message) to the global summary and its tenant's.</summary>
    internal void Add(string? tenant, long seconds, in WindowCounts hour)
    {
        if (hour.Messages == 0)
        {
            return;
        }

        Global.Add(seconds, in hour);
        if (string.IsNullOrEmpty(tenant))
        {
            return;
        }

        if (!_tenants.TryGetValue(tenant, out var summary))
        {
            if (_tenants.Count >= MaxTenants)
            {
                return;
            }

            summary = new PopulationBaseline(_halfLifeHours);
            _tenants.Add(tenant, summary);
        }

        summary.Add(seconds, in hour);
    }

    /// <summary>The summary an account of <paramref name="tenant"/> is compared with.</summary>
    public PopulationBaseline For(string? tenant) =>
        tenant is not null && _tenants.TryGetValue(tenant, out var summary) && summary.Weight >= MinTenantWeight ? summary : Global;
}
