namespace RelayWarden.Hosting.Reports;

/// <summary>
/// A tenant whose domains were used by another submitter (the customer to notify), or, when
/// <see cref="OwnerTenant"/> is null, one unclaimed domain; the domains seen and the totals.
/// </summary>
public sealed record IncidentVictim(string? OwnerTenant, IReadOnlyList<string> Domains, IncidentCounts Counts);
