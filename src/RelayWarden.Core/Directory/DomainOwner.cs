namespace RelayWarden.Core.Directory;

/// <summary>Who owns a domain: a tenant and the claim that matched (the name itself or its nearest claimed parent).</summary>
public readonly record struct DomainOwner(Tenant Tenant, DomainClaim Claim);
