namespace RelayWarden.Core.Monitor.Evaluation;

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
