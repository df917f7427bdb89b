namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>How one injected instance was caught.</summary>
public sealed record InstanceOutcome(ScenarioInstance Instance, long? FirstAlert, string? FirstRule, long? FirstEnforcement, int SentBeforeAlert, int SentBeforeEnforcement)
{
    public bool Detected => FirstAlert is not null;

    /// <summary>Seconds from the first malicious message to the first alert.</summary>
    public long? TimeToDetect => FirstAlert - Instance.Start;
}
