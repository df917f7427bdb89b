using System.Net;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Records;

/// <summary>
/// A filter over decisions; null fields match everything, and every field set must match. Identity
/// fields (<see cref="MailFrom"/>, <see cref="From"/>, <see cref="Sender"/>, <see cref="Identity"/>,
/// <see cref="Recipient"/>) take an address (exact, case-insensitive) or a domain (<c>example.org</c> or
/// <c>@example.org</c>: every address of exactly that domain); see <see cref="RecordKeys.TryParseFilter"/>.
/// Stores call <see cref="TryNormalize"/> and refuse a query that fails it.
/// </summary>
public sealed record DecisionQuery
{
    /// <summary>Largest page. Default page: 100.</summary>
    public const int MaxLimit = 1000;

    public string? Tenant { get; init; }

    /// <summary>The account (the SASL login, or <c>tenant/ip</c> for mail by address); exact.</summary>
    public string? Account { get; init; }

    /// <summary>The client address; exact, in any textual form of the address.</summary>
    public string? ClientIp { get; init; }

    public string? QueueId { get; init; }

    /// <summary>The <c>Message-ID</c>, with or without angle brackets.</summary>
    public string? MessageId { get; init; }

    /// <summary>E: an address, a domain, or <c>&lt;&gt;</c> for the null sender.</summary>
    public string? MailFrom { get; init; }

    /// <summary>F: the first <c>From</c> mailbox's address or domain.</summary>
    public string? From { get; init; }

    /// <summary>S: the <c>Sender</c> mailbox's address or domain.</summary>
    public string? Sender { get; init; }

    /// <summary>Any of E, F or S (a spoofed domain or address, as in the incident report).</summary>
    public string? Identity { get; init; }

    /// <summary>A recipient's address, or a domain (every recipient of it).</summary>
    public string? Recipient { get; init; }

    /// <summary>A recipient domain.</summary>
    public string? RecipientDomain { get; init; }

    /// <summary>A rule id among the decision's reasons (any outcome); exact.</summary>
    public string? Rule { get; init; }

    /// <summary>The verdict actions to keep; null or empty keeps every action.</summary>
    public IReadOnlyList<VerdictAction>? Actions { get; init; }

    /// <summary>The stage (<c>smtp.mail</c>, <c>smtp.rcpt</c>, <c>smtp.data</c>, ...); exact.</summary>
    public string? Stage { get; init; }

    /// <summary>Start of the window, inclusive.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>End of the window, exclusive.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Page size, 1 to <see cref="MaxLimit"/>. Default 100.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Where the previous page ended (its <see cref="DecisionPage.Next"/>), or null for the first page.</summary>
    public DecisionCursor? After { get; init; }

    /// <summary>
    /// Checks every field and returns the query with its keys normalized (lower case, A-labels, the
    /// client address in canonical form, the message id in angle brackets). On failure, says why, one
    /// line per bad field.
    /// </summary>
    public bool TryNormalize(out DecisionQuery normalized, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        string? Identity(string field, string? value, bool allowNull)
        {
            if (value is null)
            {
                return null;
            }

            if (RecordKeys.TryParseFilter(value, allowNull, out string key, out string error))
            {
                return key;
            }

            problems.Add($"{field}: {error}");
            return null;
        }

        string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        string? ip = Trimmed(ClientIp);
        if (ip is not null)
        {
            if (IPAddress.TryParse(ip, out var address))
            {
                ip = (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
            }
            else
            {
                problems.Add($"client_ip: '{Shorten(ip)}' is not an IP address");
            }
        }

        string? messageId = Trimmed(MessageId);
        if (messageId is not null && !(messageId.StartsWith('<') && messageId.EndsWith('>')))
        {
            messageId = $"<{messageId.Trim('<', '>')}>";
        }

        string? recipientDomain = Identity("recipient_domain", Trimmed(RecipientDomain), false);
        if (recipientDomain is not null && RecordKeys.IsAddress(recipientDomain))
        {
            problems.Add("recipient_domain: give a domain, not an address (or use recipient)");
        }

        if (Since is { } since && Until is { } until && until <= since)
        {
            problems.Add("window: the end must come after the start");
        }

        if (Limit is < 1 or > MaxLimit)
        {
            problems.Add($"limit: must be 1 to {MaxLimit}");
        }

        if (Actions is { } actions && actions.Any(a => !Enum.IsDefined(a)))
        {
            problems.Add("action: unknown verdict action");
        }

        normalized = this with
        {
            Tenant = Trimmed(Tenant),
            Account = Trimmed(Account),
            ClientIp = ip,
            QueueId = Trimmed(QueueId),
            MessageId = messageId,
            MailFrom = Identity("mail_from", Trimmed(MailFrom), true),
            From = Identity("from", Trimmed(From), false),
            Sender = Identity("sender", Trimmed(Sender), false),
            Identity = Identity("identity", Trimmed(this.Identity), true),
            Recipient = Identity("recipient", Trimmed(Recipient), false),
            RecipientDomain = recipientDomain,
            Rule = Trimmed(Rule),
            Stage = Trimmed(Stage),
            Actions = Actions is { Count: > 0 } ? Actions.Distinct().Order().ToArray() : null,
        };
        errors = problems;
        return problems.Count == 0;
    }

    /// <summary>The normalized query, or <see cref="ArgumentException"/> listing every bad field.</summary>
    public DecisionQuery Normalize() =>
        TryNormalize(out var normalized, out var errors) ? normalized : throw new ArgumentException("bad decision query: " + string.Join("; ", errors));

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
