namespace RelayWarden.Core.Control;

/// <summary>A tenant an operator added at run time (beside the configuration's tenants).</summary>
/// <param name="Id">Unique id: lower-case letters, digits and '-' (as in the configuration).</param>
/// <param name="Name">A display name.</param>
/// <param name="CreatedAt">When it was added.</param>
/// <param name="CreatedBy">The operator who added it.</param>
public sealed record StoredTenant(string Id, string? Name, DateTimeOffset CreatedAt, string CreatedBy);
