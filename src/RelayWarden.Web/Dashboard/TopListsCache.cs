using RelayWarden.Core.Records;

namespace RelayWarden.Web.Dashboard;

/// <summary>
/// The dashboard's top sending accounts and top refusing rules over the last 24 h, computed at most
/// once per minute-aligned window and shared by every request of that minute: both scan the window's
/// records (about 2 s per million records), which a dashboard left open in several browsers must not
/// repeat on every load.
/// </summary>
public sealed class TopListsCache
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset Until, IReadOnlyList<AccountActivity> Accounts, IReadOnlyList<RuleActivity> Rules)? _last;

    /// <summary>The top lists of <paramref name="window"/> (its <c>Until</c> is the cache key).</summary>
    public async Task<(IReadOnlyList<AccountActivity> Accounts, IReadOnlyList<RuleActivity> Rules)> GetAsync(IDecisionStore records, DecisionQuery window, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(window);
        var until = window.Until ?? DateTimeOffset.MaxValue;
        if (_last is { } hit && hit.Until == until)
        {
            return (hit.Accounts, hit.Rules);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_last is { } again && again.Until == until)
            {
                return (again.Accounts, again.Rules);
            }

            var accounts = await records.TopAccountsAsync(window, limit, cancellationToken).ConfigureAwait(false);
            var rules = await records.TopRulesAsync(window, limit, cancellationToken).ConfigureAwait(false);
            _last = (until, accounts, rules);
            return (accounts, rules);
        }
        finally
        {
            _gate.Release();
        }
    }
}
