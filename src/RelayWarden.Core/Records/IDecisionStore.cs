namespace RelayWarden.Core.Records;

/// <summary>
/// Where decision records and delivery outcomes go (SQLite by default, PostgreSQL at scale).
/// Writes may be buffered; <see cref="FlushAsync"/> makes everything written so far durable and visible.
/// Every read takes a <see cref="DecisionQuery"/>; a query that fails <see cref="DecisionQuery.TryNormalize"/>
/// throws <see cref="ArgumentException"/> (callers facing people validate first).
/// </summary>
public interface IDecisionStore : IAsyncDisposable
{
    /// <summary>Stores one decision. Never waits for the store: one that falls too far behind may count a decision as dropped rather than queue it without bound.</summary>
    ValueTask AddAsync(DecisionRecord record, CancellationToken cancellationToken);

    /// <summary>Stores one delivery outcome of an accepted message.</summary>
    ValueTask AddDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken);

    /// <summary>Waits until every record added so far is stored.</summary>
    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>Decisions matching a query, newest first (the first page of <see cref="SearchAsync"/>).</summary>
    Task<IReadOnlyList<DecisionRecord>> QueryAsync(DecisionQuery query, CancellationToken cancellationToken);

    /// <summary>One page of decisions matching a query, newest first, with the cursor of the next page.</summary>
    Task<DecisionPage> SearchAsync(DecisionQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Counts per time bucket over the query's window (<see cref="DecisionQuery.Since"/> and
    /// <see cref="DecisionQuery.Until"/> are required), every bucket present, oldest first. Buckets
    /// start at multiples of <paramref name="bucket"/> since the Unix epoch. Paging fields are ignored. A store may
    /// answer a query with no filter but the window from per-minute totals, counting whole minutes at its ends.
    /// </summary>
    Task<IReadOnlyList<ActivityBucket>> ActivityAsync(DecisionQuery query, TimeSpan bucket, CancellationToken cancellationToken);

    /// <summary>The accounts with the most accepted messages (then refusals) among the matching decisions.</summary>
    Task<IReadOnlyList<AccountActivity>> TopAccountsAsync(DecisionQuery query, int limit, CancellationToken cancellationToken);

    /// <summary>The rules (failing or in error) behind the most refused (rejected or deferred) matching decisions.</summary>
    Task<IReadOnlyList<RuleActivity>> TopRulesAsync(DecisionQuery query, int limit, CancellationToken cancellationToken);

    /// <summary>Every matching decision as a <see cref="DecisionSummary"/>, oldest first, streamed (paging fields are ignored).</summary>
    IAsyncEnumerable<DecisionSummary> SummariesAsync(DecisionQuery query, CancellationToken cancellationToken);

    /// <summary>Delivery outcomes of one accepted message, in order.</summary>
    Task<IReadOnlyList<DeliveryRecord>> DeliveriesAsync(string queueId, CancellationToken cancellationToken);

    /// <summary>Deletes decisions and deliveries older than <paramref name="before"/>; returns how many decisions went.</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
