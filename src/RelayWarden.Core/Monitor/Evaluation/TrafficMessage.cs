namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>One message of a replayed stream; <see cref="Instance"/> is -1 for benign traffic, else the injected scenario instance.</summary>
public sealed record TrafficMessage(long Time, string Account, string? Sender, string[] Recipients, int Instance, DateTimeOffset? CreatedAt = null);
