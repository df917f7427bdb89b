namespace RelayWarden.Core.Records;

/// <summary>One account's totals in a window (top sending accounts).</summary>
public sealed record AccountActivity(string Account, string? Tenant, long Accepted, long Refused, long Recipients, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);
