namespace RelayWarden.Core.Records;

/// <summary>The outcome of one delivery attempt for one recipient of an accepted message.</summary>
public sealed record DeliveryRecord
{
    public required string QueueId { get; init; }

    public required DateTimeOffset Time { get; init; }

    public required string Recipient { get; init; }

    public required DeliveryStatus Status { get; init; }

    /// <summary>The next hop's reply or the local error.</summary>
    public string? Detail { get; init; }

    /// <summary>1-based attempt number.</summary>
    public int Attempt { get; init; }
}

/// <summary>What happened to one recipient.</summary>
public enum DeliveryStatus
{
    /// <summary>The next hop accepted it.</summary>
    Delivered,
    /// <summary>A temporary failure: retried later.</summary>
    Deferred,
    /// <summary>A permanent failure (or the maximum age passed): a DSN goes to the sender.</summary>
    Failed,
}
