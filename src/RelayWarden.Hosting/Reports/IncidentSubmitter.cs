namespace RelayWarden.Hosting.Reports;

/// <summary>One submitter of the matching mail: tenant, account and client address, with its totals.</summary>
public sealed record IncidentSubmitter(string? Tenant, string? Account, string? ClientIp, IncidentCounts Counts);
