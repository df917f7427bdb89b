namespace RelayWarden.Core.Monitor;

/// <summary>
/// Where the monitor keeps counters: one <see cref="MonitorState"/> per (kind, key). Counting stays
/// here, deciding stays in <see cref="BehaviorMonitor"/>. The in-process store is the default; a
/// shared store (Redis) will implement the same contract for several gateway nodes.
/// </summary>
public interface IMonitorStore
{
    /// <summary>The state of a key, created at <paramref name="seconds"/> (unix seconds) when new.</summary>
    MonitorState GetOrAdd(MonitorKeyKind kind, string key, long seconds);

    bool TryGet(MonitorKeyKind kind, string key, out MonitorState state);

    /// <summary>How many keys of <paramref name="kind"/> are held.</summary>
    int Count(MonitorKeyKind kind);

    /// <summary>Drops keys idle since before <paramref name="seconds"/>; returns how many. Suspended keys are kept.</summary>
    int EvictIdle(long seconds);
}
