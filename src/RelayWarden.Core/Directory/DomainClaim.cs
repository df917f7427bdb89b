namespace RelayWarden.Core.Directory;

/// <summary>A domain a tenant owns. A plain claim also covers every subdomain; the nearest claimed parent owns a name.</summary>
/// <param name="Name">The normalized name (lower case, A-labels).</param>
/// <param name="Subdomains">True when the claim covers subdomains.</param>
public sealed record DomainClaim(string Name, bool Subdomains = true);
