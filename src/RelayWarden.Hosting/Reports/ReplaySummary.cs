using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;

namespace RelayWarden.Hosting.Reports;

/// <summary>The totals of a policy replay: how many records kept, changed and could not be judged, and why.</summary>
public sealed class ReplaySummary
{
    private readonly Dictionary<(VerdictAction Recorded, VerdictAction Proposed), int> _changes = [];
    private readonly Dictionary<string, int> _notReplayed = new(StringComparer.Ordinal);

    /// <summary>Records read.</summary>
    public int Read { get; private set; }

    /// <summary>Records the proposed policy judges the same.</summary>
    public int Same { get; private set; }

    /// <summary>Records the proposed policy judges otherwise.</summary>
    public int Changed { get; private set; }

    /// <summary>Records that could not be judged again.</summary>
    public int NotReplayed { get; private set; }

    /// <summary>The oldest record's time.</summary>
    public DateTimeOffset? First { get; private set; }

    /// <summary>The newest record's time.</summary>
    public DateTimeOffset? Last { get; private set; }

    /// <summary>Changes by recorded → proposed action, most frequent first.</summary>
    public IReadOnlyList<(VerdictAction Recorded, VerdictAction Proposed, int Count)> Changes =>
        [.. _changes.OrderByDescending(c => c.Value).ThenBy(c => c.Key.Recorded).ThenBy(c => c.Key.Proposed).Select(c => (c.Key.Recorded, c.Key.Proposed, c.Value))];

    /// <summary>Records not replayed, by why, most frequent first.</summary>
    public IReadOnlyList<(string Why, int Count)> NotReplayedWhy =>
        [.. _notReplayed.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value))];

    /// <summary>Counts one outcome.</summary>
    public void Add(ReplayOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        Read++;
        var time = outcome.Record.Time;
        First = First is { } first && first <= time ? first : time;
        Last = Last is { } last && last >= time ? last : time;
        switch (outcome.Status)
        {
            case ReplayStatus.Same:
                Same++;
                break;
            case ReplayStatus.Changed:
                Changed++;
                var key = (outcome.Record.Action, outcome.Proposed!.Action);
                _changes[key] = _changes.GetValueOrDefault(key) + 1;
                break;
            default:
                NotReplayed++;
                _notReplayed[outcome.Why!] = _notReplayed.GetValueOrDefault(outcome.Why!) + 1;
                break;
        }
    }

    /// <summary>
    /// Replays every record matching <paramref name="query"/> (newest first, page by page) and hands each
    /// outcome to <paramref name="each"/>; returns the totals.
    /// </summary>
    public static async Task<ReplaySummary> RunAsync(PolicyReplay replay, IDecisionStore records, DecisionQuery query, Action<ReplayOutcome> each, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replay);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(each);
        var summary = new ReplaySummary();
        await foreach (var record in records.AllAsync(query with { Limit = DecisionQuery.MaxLimit, After = null }, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var outcome = replay.Replay(record);
            summary.Add(outcome);
            each(outcome);
        }

        return summary;
    }
}
