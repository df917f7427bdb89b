namespace RelayWarden.Core.Records;

/// <summary>One rule's count of refused decisions in a window (top refusing rules), and how many accounts they hit.</summary>
public sealed record RuleActivity(string Rule, long Refused, long Accounts);
