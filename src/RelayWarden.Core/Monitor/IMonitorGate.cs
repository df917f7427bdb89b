namespace RelayWarden.Core.Monitor;

/// <summary>
/// What a front door calls to have a message watched: one shared, thread-safe monitor behind it (the
/// host serializes the <see cref="BehaviorMonitor"/> and acts on the decision: stores suspensions and
/// alerts, sends the alerts).
/// </summary>
public interface IMonitorGate
{
    /// <summary>Observes one message; never throws (a fault returns <see cref="MonitorDecision.None"/>).</summary>
    MonitorDecision Observe(Observation observation);

    /// <summary>Counts recipients refused after acceptance (delivery 5xx) against an account.</summary>
    void ObserveRefused(string account, DateTimeOffset time, int count);
}
