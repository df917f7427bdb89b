using System.Collections.Frozen;
using RelayWarden.Core.Control;

namespace RelayWarden.Hosting.Control;

/// <summary>
/// The allowances in force, as the monitor reads them on every fired rule: an immutable snapshot of
/// (rule, key) → until, swapped whole when an operator adds or withdraws one. Reading costs nothing
/// when there are none.
/// </summary>
public sealed class MonitorAllowances
{
    private volatile FrozenDictionary<(string Rule, string Key), DateTimeOffset?> _current = FrozenDictionary<(string Rule, string Key), DateTimeOffset?>.Empty;

    /// <summary>How many allowances the snapshot holds (expired ones included until the next <see cref="Replace"/>).</summary>
    public int Count => _current.Count;

    /// <summary>Replaces the snapshot with <paramref name="allowances"/> (the longest one wins for a repeated rule and key).</summary>
    public void Replace(IEnumerable<MonitorAllowance> allowances)
    {
        ArgumentNullException.ThrowIfNull(allowances);
        var next = new Dictionary<(string Rule, string Key), DateTimeOffset?>();
        foreach (var allowance in allowances)
        {
            var slot = (allowance.Rule, allowance.Key);
            if (!next.TryGetValue(slot, out var until) || (until is { } known && (allowance.Until is null || allowance.Until > known)))
            {
                next[slot] = allowance.Until;
            }
        }

        _current = next.ToFrozenDictionary();
    }

    /// <summary>True when <paramref name="rule"/> is allowed for <paramref name="key"/> at <paramref name="time"/>.</summary>
    public bool IsAllowed(string rule, string key, DateTimeOffset time)
    {
        var current = _current;
        return current.Count > 0 && current.TryGetValue((rule, key), out var until) && (until is not { } end || end > time);
    }
}
