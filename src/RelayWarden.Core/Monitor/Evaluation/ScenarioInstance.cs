namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>One injected attack: which account, from when.</summary>
public sealed record ScenarioInstance(int Index, ScenarioKind Kind, string Account, long Start, double Rate, int Messages);
