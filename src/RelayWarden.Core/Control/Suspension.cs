namespace RelayWarden.Core.Control;

/// <summary>A suspension in force: the account (or tenant) is refused until a person lifts it.</summary>
public sealed record Suspension(SuspensionScope Scope, string Key, string By, DateTimeOffset At, string? Why);
