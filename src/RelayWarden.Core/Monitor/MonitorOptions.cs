namespace RelayWarden.Core.Monitor;

/// <summary>Settings of the behavior monitor (<c>monitor:</c> in the configuration).</summary>
public sealed record MonitorOptions
{
    /// <summary><c>monitor.enabled</c>. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The rules, in order. Default <see cref="DefaultMonitorRules.All"/>.</summary>
    public IReadOnlyList<MonitorRule> Rules { get; init; } = DefaultMonitorRules.All;

    /// <summary>
    /// <c>monitor.alert_dedup_minutes</c>: one alert per key and rule within this time; the rule's action
    /// still applies to every message. Default 24 h: an operator gets one page per incident, not thousands.
    /// </summary>
    public TimeSpan AlertDedup { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// <c>monitor.baseline_half_life_hours</c>: how fast an account's remembered hourly peak fades. Default 720 (30 days):
    /// a monthly report run is still remembered next month, so it does not look like a hijack.
    /// </summary>
    public double BaselineHalfLifeHours { get; init; } = 720;

    /// <summary>
    /// <c>monitor.population_half_life_hours</c>: how fast the peers' summary (the <c>*_vs_population</c> signals)
    /// forgets. Default 168 (a week): the population follows seasons and growth faster than one account's own peak.
    /// </summary>
    public double PopulationHalfLifeHours { get; init; } = 168;

    /// <summary>
    /// <c>monitor.preexisting_hours</c>: an account without a known creation time that sends within
    /// this many hours of the monitor's first observation (after an install or a restart, state being
    /// in memory) already existed, and counts as at least this old. Without it, every busy account
    /// would be "new" after a restart and probation rules would suspend it. Default 72 (the
    /// probation length of the shipped rules); 0 turns it off (replays that must treat every
    /// first-seen account as new).
    /// </summary>
    public double PreexistingHours { get; init; } = 72;

    /// <summary>
    /// How many latest observations (of all keys) are kept for alert evidence: top recipient domains,
    /// sample message ids and subject hashes. Default 16,384; memory is bounded whatever the account count.
    /// </summary>
    public int EvidenceMessages { get; init; } = 16_384;

    public static MonitorOptions Default { get; } = new();
}
