using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Records;

/// <summary>
/// The part of a decision record that reports aggregate: who submitted, the verdict, the search keys of
/// E, F and S (see <see cref="RecordKeys"/>), and the recipients' count and distinct domains.
/// </summary>
public sealed record DecisionSummary
{
    public required DateTimeOffset Time { get; init; }

    public string? Tenant { get; init; }

    public string? Account { get; init; }

    public string? ClientIp { get; init; }

    public required VerdictAction Action { get; init; }

    public string? MailFromAddress { get; init; }

    public string? MailFromDomain { get; init; }

    public string? FromAddress { get; init; }

    public string? FromDomain { get; init; }

    public string? SenderAddress { get; init; }

    public string? SenderDomain { get; init; }

    public int RecipientCount { get; init; }

    public IReadOnlyList<string> RecipientDomains { get; init; } = [];

    /// <summary>Relayed or held.</summary>
    public bool Accepted => Action is VerdictAction.Relay or VerdictAction.Hold;
}
