namespace RelayWarden.Core.Control;

/// <summary>A client network an operator gave a tenant at run time: mail from it is the tenant's.</summary>
/// <param name="Network">The normalized CIDR (<c>198.51.100.0/24</c>, <c>2001:db8::/48</c>); one tenant per network.</param>
/// <param name="Tenant">The tenant's id.</param>
/// <param name="AddedAt">When it was added.</param>
/// <param name="AddedBy">Who added it.</param>
/// <param name="Why">Why (optional).</param>
public sealed record StoredNetwork(string Network, string Tenant, DateTimeOffset AddedAt, string AddedBy, string? Why);
