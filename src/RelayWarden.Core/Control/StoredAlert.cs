namespace RelayWarden.Core.Control;

/// <summary>
/// A monitor alert as stored: the rule, the key it fired on, and its evidence (window figures, top
/// recipient domains, sample message ids and subject hashes) as JSON.
/// </summary>
public sealed record StoredAlert(long Id, DateTimeOffset At, string Rule, string Scope, string Key, string Action, string Severity, string EvidenceJson);
