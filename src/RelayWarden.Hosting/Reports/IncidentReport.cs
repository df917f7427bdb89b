namespace RelayWarden.Hosting.Reports;

/// <summary>
/// The incident impact report: every matching decision in the window, in total, by submitter, and by
/// the tenants (owners) of the domains used in MAIL FROM, From or Sender. Mail a tenant submitted with
/// its own domains never counts against it as a victim.
/// </summary>
public sealed record IncidentReport(IncidentQuery Query, IncidentCounts Total, IReadOnlyList<IncidentSubmitter> BySubmitter, IReadOnlyList<IncidentVictim> ByOwner);
