using System.Net;

namespace RelayWarden.Core.Directory;

/// <summary>A customer of the relay: its domains, networks, logins and sending policy.</summary>
public sealed class Tenant
{
    /// <summary>Unique id: lower-case letters, digits and '-'.</summary>
    public required string Id { get; init; }

    public string? Name { get; init; }

    public TenantKind Kind { get; init; } = TenantKind.Paid;

    public TenantCreator CreatedBy { get; init; } = TenantCreator.Self;

    public TenantStatus Status { get; init; } = TenantStatus.Active;

    public DateTimeOffset? CreatedAt { get; init; }

    public IReadOnlyList<DomainClaim> Domains { get; init; } = [];

    public IReadOnlyList<IPNetwork> Networks { get; init; } = [];

    /// <summary>The configured wish; see <see cref="AllowsExternalFrom"/> for the effective policy.</summary>
    public bool? ExternalFrom { get; init; }

    public IReadOnlyList<TenantUser> Users { get; init; } = [];

    /// <summary>
    /// Whether attributed forwarding with an external From is allowed: default true for paid tenants,
    /// always false for trials (DESIGN, sender authorization).
    /// </summary>
    public bool AllowsExternalFrom => Kind != TenantKind.Trial && (ExternalFrom ?? true);

    /// <summary>Trials may send outbound only when a partner opened them.</summary>
    public bool MaySendOutbound => Kind != TenantKind.Trial || CreatedBy == TenantCreator.Partner;

    public override string ToString() => Id;
}
