namespace RelayWarden.Smtp.Delivery;

/// <summary>Hands a message to the next hop and says what happened to each recipient.</summary>
public interface IDeliveryTransport
{
    /// <summary>Short name for logs: <c>outbox</c>, <c>smtp</c>, <c>mx</c>.</summary>
    string Name { get; }

    /// <summary>Delivers <paramref name="content"/> for <paramref name="recipients"/>; one result per recipient. Throws only for bugs.</summary>
    Task<IReadOnlyList<RecipientResult>> DeliverAsync(string id, string mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);
}

/// <summary>What the next hop said about one recipient.</summary>
public sealed record RecipientResult(string Recipient, RecipientOutcome Outcome, string Detail, string Status);

/// <summary>Delivered, retry later, or failed for good (a DSN follows).</summary>
public enum RecipientOutcome
{
    Delivered,
    Transient,
    Permanent,
}
