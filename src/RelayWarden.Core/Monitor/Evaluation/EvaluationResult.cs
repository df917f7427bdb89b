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

    /// <summary>Observed recipients per second of wall time, when the caller measured it.</summary>
    public double Seconds { get; init; }
}

/// <summary>How one injected instance was caught.</summary>
public sealed record InstanceOutcome(ScenarioInstance Instance, long? FirstAlert, string? FirstRule, long? FirstEnforcement, int SentBeforeAlert, int SentBeforeEnforcement)
{
    public bool Detected => FirstAlert is not null;

    /// <summary>Seconds from the first malicious message to the first alert.</summary>
    public long? TimeToDetect => FirstAlert - Instance.Start;
}

/// <summary>Per-scenario figures.</summary>
public sealed record ScenarioSummary(ScenarioKind Kind, int Instances, int Detected, int DetectedWithinHour, double? MedianTtd, long? MaxTtd,
    double MedianSentBeforeAlert, double MedianSentBeforeEnforcement, int MaxSentBeforeEnforcement, int Enforced, IReadOnlyDictionary<string, int> FirstRules)
{
    public double Recall => Instances == 0 ? 0 : (double)Detected / Instances;

    public static ScenarioSummary Of(ScenarioKind kind, IReadOnlyList<InstanceOutcome> outcomes)
    {
        var ttd = outcomes.Where(o => o.Detected).Select(o => (double)o.TimeToDetect!.Value).Order().ToList();
        var sent = outcomes.Select(o => (double)o.SentBeforeEnforcement).Order().ToList();
        var beforeAlert = outcomes.Select(o => (double)o.SentBeforeAlert).Order().ToList();
        var rules = outcomes.Where(o => o.FirstRule is not null).GroupBy(o => o.FirstRule!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new ScenarioSummary(kind, outcomes.Count, ttd.Count, ttd.Count(t => t <= 3600),
            ttd.Count == 0 ? null : Median(ttd), ttd.Count == 0 ? null : (long)ttd[^1],
            beforeAlert.Count == 0 ? 0 : Median(beforeAlert), sent.Count == 0 ? 0 : Median(sent), sent.Count == 0 ? 0 : (int)sent[^1],
            outcomes.Count(o => o.FirstEnforcement is not null), rules);
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
