namespace RelayWarden.Core.Monitor;

/// <summary>The in-process counter store: one dictionary per key kind. Not thread-safe: the host serializes access (one lock or one partition per core).</summary>
public sealed class InMemoryMonitorStore : IMonitorStore
{
    private readonly Dictionary<string, MonitorState>[] _states =
        [new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal)];

    public MonitorState GetOrAdd(MonitorKeyKind kind, string key, long seconds)
    {
        var map = _states[(int)kind];
        if (!map.TryGetValue(key, out var state))
        {
            state = new MonitorState(seconds);
            map.Add(key, state);
        }

        return state;
    }

    public bool TryGet(MonitorKeyKind kind, string key, out MonitorState state) => _states[(int)kind].TryGetValue(key, out state!);

    public int Count(MonitorKeyKind kind) => _states[(int)kind].Count;

    public int EvictIdle(long seconds)
    {
        int removed = 0;
        foreach (var map in _states)
        {
            foreach (var (key, state) in map)
            {
                if (state.LastSeen < seconds && !state.Suspended)
                {
                    map.Remove(key);
                    removed++;
                }
            }
        }

        return removed;
    }
}
