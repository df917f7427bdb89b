using RelayWarden.Core.Control;
using RelayWarden.Hosting.Control;

namespace RelayWarden.Web.Admin;

/// <summary>
/// The directory as the console shows it, the same for pages and API: tenants (configuration and
/// console), domain claims with the TXT record to publish, and networks, each with where it comes from.
/// </summary>
internal static class DirectoryViews
{
    public const string FromConfig = "config";
    public const string FromConsole = "console";

    public static DirectoryAdmin Admin(ConsoleContext console) => console.Host.Directory;

    public static IReadOnlyList<TenantView> Tenants(ConsoleContext console)
    {
        var configured = console.Host.Config.Directory;
        var stored = console.Control.StoredTenants().ToDictionary(t => t.Id, StringComparer.Ordinal);
        var suspended = console.Control.Suspensions().Where(s => s.Scope == SuspensionScope.Tenant).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        return [.. Admin(console).Effective().Tenants.Select(tenant =>
        {
            bool fromConfig = configured.FindTenant(tenant.Id) is not null;
            stored.TryGetValue(tenant.Id, out var added);
            string status = suspended.Contains(tenant.Id) || tenant.Status == Core.Directory.TenantStatus.Suspended ? "suspended" : "active";
            return new TenantView(tenant.Id, tenant.Name, fromConfig ? FromConfig : FromConsole, tenant.Kind == Core.Directory.TenantKind.Trial ? "trial" : "paid", status,
                [.. tenant.Domains.Select(d => d.Name)], [.. tenant.Networks.Select(n => n.ToString())], tenant.CreatedAt ?? added?.CreatedAt, fromConfig ? null : added?.CreatedBy);
        })];
    }

    public static IReadOnlyList<ClaimView> Claims(ConsoleContext console) => [.. console.Control.DomainClaims().Select(c => Claim(console, c))];

    public static ClaimView Claim(ConsoleContext console, StoredDomainClaim claim) => new(
        claim.Domain, claim.Tenant, claim.State.ToString().ToLowerInvariant(), Admin(console).RecordName(claim), DirectoryAdmin.RecordValue(claim),
        claim.ClaimedAt, claim.ClaimedBy, claim.CheckedAt, claim.CheckResult, claim.OverrideBy, claim.OverrideWhy, claim.DecidedAt);

    public static IReadOnlyList<NetworkView> Networks(ConsoleContext console)
    {
        var configured = console.Host.Config.Directory.Tenants
            .SelectMany(t => t.Networks.Select(n => new NetworkView(n.ToString(), t.Id, FromConfig, null, null, null)));
        var stored = console.Control.StoredNetworks().Select(n => new NetworkView(n.Network, n.Tenant, FromConsole, n.AddedAt, n.AddedBy, n.Why));
        return [.. configured.Concat(stored)];
    }
}

/// <summary>A tenant: <c>source</c> is <c>config</c> (the YAML file) or <c>console</c> (added by an operator).</summary>
internal sealed record TenantView(string Id, string? Name, string Source, string Kind, string Status, IReadOnlyList<string> Domains, IReadOnlyList<string> Networks,
    DateTimeOffset? CreatedAt, string? CreatedBy);

/// <summary>A domain claim and the TXT record that proves it (<c>record_name</c> IN TXT "<c>record_value</c>").</summary>
internal sealed record ClaimView(string Domain, string Tenant, string State, string RecordName, string RecordValue, DateTimeOffset ClaimedAt, string ClaimedBy,
    DateTimeOffset? CheckedAt, string? CheckResult, string? OverrideBy, string? OverrideWhy, DateTimeOffset? DecidedAt);

/// <summary>A client network of a tenant.</summary>
internal sealed record NetworkView(string Network, string Tenant, string Source, DateTimeOffset? AddedAt, string? AddedBy, string? Why);
