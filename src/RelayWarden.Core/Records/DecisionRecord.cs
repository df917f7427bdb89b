using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Records;

/// <summary>
/// One decision as stored metadata (DESIGN, "Records"): who submitted what envelope and identities,
/// and the verdict with every reason. Never a message body.
/// </summary>
public sealed record DecisionRecord
{
    /// <summary>Unique id of the record.</summary>
    public required string Id { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>The node (host name) that decided.</summary>
    public string? Node { get; init; }

    /// <summary>The front door and stage: <c>smtp.mail</c>, <c>smtp.rcpt</c>, <c>smtp.data</c>.</summary>
    public required string Stage { get; init; }

    public string? Tenant { get; init; }

    /// <summary>The account: the SASL login, or tenant + client address when mail arrives by address.</summary>
    public string? Account { get; init; }

    public string? ClientIp { get; init; }

    public string? Helo { get; init; }

    public bool Tls { get; init; }

    public string? AuthLogin { get; init; }

    /// <summary>E, the MAIL FROM argument as sent (parameters included).</summary>
    public string? MailFrom { get; init; }

    /// <summary>The first <c>From</c> field's value (unfolded, truncated).</summary>
    public string? From { get; init; }

    /// <summary>The first <c>Sender</c> field's value.</summary>
    public string? Sender { get; init; }

    public IReadOnlyList<string> Recipients { get; init; } = [];

    /// <summary>The distinct recipient domains, lower case.</summary>
    public IReadOnlyList<string> RecipientDomains { get; init; } = [];

    public string? MessageId { get; init; }

    /// <summary>Message size in octets (0 before DATA).</summary>
    public long Size { get; init; }

    /// <summary>The spool id when the message was accepted.</summary>
    public string? QueueId { get; init; }

    public required VerdictAction Action { get; init; }

    /// <summary>The reply as sent: <c>550 5.7.1 text</c>.</summary>
    public required string Reply { get; init; }

    public IReadOnlyList<Reason> Reasons { get; init; } = [];
}
