namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>What a replay measured: false alerts on benign traffic and detection of each injected instance.</summary>
public sealed record EvaluationResult
{
    public required long BenignMessages { get; init; }

    public required long BenignRecipients { get; init; }

    /// <summary>Alerts on accounts not under attack at the time (de-duplicated per account and rule).</summary>
    public required int FalseAlerts { get; init; }

    /// <summary>Benign messages held, deferred or rejected.</summary>
    public required int BenignEnforced { get; init; }

    public double FalseAlertsPerMillion => BenignMessages == 0 ? 0 : FalseAlerts * 1e6 / BenignMessages;

    /// <summary>False alerts by rule id.</summary>
    public required IReadOnlyDictionary<string, int> FalseAlertsByRule { get; init; }

    public required IReadOnlyList<InstanceOutcome> Instances { get; init; }
}
