namespace RelayWarden.Core.Records;

/// <summary>
/// Where decision records and delivery outcomes go (SQLite by default, PostgreSQL at scale).
/// Writes may be buffered; <see cref="FlushAsync"/> makes everything written so far durable and visible.
/// </summary>
public interface IDecisionStore : IAsyncDisposable
{
    /// <summary>Stores one decision.</summary>
    ValueTask AddAsync(DecisionRecord record, CancellationToken cancellationToken);

    /// <summary>Stores one delivery outcome of an accepted message.</summary>
    ValueTask AddDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken);

    /// <summary>Waits until every record added so far is stored.</summary>
    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>Decisions matching a query, newest first.</summary>
    Task<IReadOnlyList<DecisionRecord>> QueryAsync(DecisionQuery query, CancellationToken cancellationToken);

    /// <summary>Delivery outcomes of one accepted message, in order.</summary>
    Task<IReadOnlyList<DeliveryRecord>> DeliveriesAsync(string queueId, CancellationToken cancellationToken);

    /// <summary>Deletes decisions and deliveries older than <paramref name="before"/>; returns how many decisions went.</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

/// <summary>A filter over decisions; null fields match everything.</summary>
public sealed record DecisionQuery
{
    public string? Tenant { get; init; }

    public string? ClientIp { get; init; }

    /// <summary>The account (SASL login, or <c>tenant/ip</c>).</summary>
    public string? Account { get; init; }

    public string? QueueId { get; init; }

    public string? MessageId { get; init; }

    public DateTimeOffset? Since { get; init; }

    public int Limit { get; init; } = 100;
}
