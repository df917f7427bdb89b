using RelayWarden.Core.Monitor;

namespace RelayWarden.TestSupport;

/// <summary>A thread-safe monitor gate over one rule that records every observation a front door hands it.</summary>
public sealed class RecordingMonitorGate : IMonitorGate
{
    private readonly BehaviorMonitor _monitor;
    private readonly Lock _lock = new();

    public RecordingMonitorGate(BehaviorMonitor monitor) => _monitor = monitor;

    /// <summary>A gate with the single rule <c>monitor.test.rule</c>: <paramref name="when"/> → <paramref name="action"/>.</summary>
    public static RecordingMonitorGate OneRule(string when, MonitorAction action) => new(new BehaviorMonitor(
        new MonitorOptions { Rules = [new MonitorRule { Id = "monitor.test.rule", When = MonitorCondition.Parse(when), Action = action }] },
        new InMemoryMonitorStore(), TimeProvider.System));

    public List<Observation> Seen { get; } = [];

    public MonitorDecision Observe(Observation observation)
    {
        lock (_lock)
        {
            Seen.Add(observation);
            return _monitor.Observe(observation);
        }
    }

    public void ObserveRefused(string account, DateTimeOffset time, int count)
    {
    }
}
