namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>One message of a replayed stream; <see cref="Instance"/> is -1 for benign traffic, else the injected scenario instance.</summary>
public sealed record TrafficMessage(long Time, string Account, string? Sender, string[] Recipients, int Instance, DateTimeOffset? CreatedAt = null);

/// <summary>One injected attack: which account, from when.</summary>
public sealed record ScenarioInstance(int Index, ScenarioKind Kind, string Account, long Start, double Rate, int Messages);
