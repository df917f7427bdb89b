using RelayWarden.Mail.Headers;

namespace RelayWarden.Core.Policy;

/// <summary>
/// Stable rule ids. Each appears unchanged in verdicts, logs, stored events, configuration
/// (<c>policy.rule_actions</c>) and docs/RULES.md.
/// </summary>
public static class RuleIds
{
    public const string RelayDenied = "relay.denied";
    public const string LoginUnknown = "account.login.unknown";
    public const string AccountSuspended = "account.suspended";

    /// <summary>The account (SASL login, or <c>tenant/ip</c>) is suspended in the control store, by an operator or the monitor.</summary>
    public const string LoginSuspended = "account.login-suspended";
    public const string TrialOutbound = "account.trial-outbound";

    public const string BlockedIp = "blocklist.ip";
    public const string BlockedLogin = "blocklist.login";
    public const string BlockedDomain = "blocklist.domain";
    public const string BlockedAddress = "blocklist.address";

    public const string EnvelopeSyntax = "sender.envelope.syntax";
    public const string EnvelopeInvalidDomain = "sender.envelope.invalid-domain";
    public const string EnvelopeOtherTenant = "sender.envelope.other-tenant";
    public const string EnvelopeExternal = "sender.envelope.external";
    public const string EnvelopeLoginAddress = "sender.envelope.login-address";

    public const string HeaderMalformed = "sender.header.malformed";
    public const string FromMissing = "sender.from.missing";
    public const string FromSeveralWithoutSender = "sender.from.several-without-sender";
    public const string FromForwarded = "sender.from.forwarded";
    public const string FromExternal = "sender.from.external";

    public const string RecipientSyntax = "recipient.syntax";
    public const string RecipientRouting = "recipient.routing";
    public const string RecipientInvalidDomain = "recipient.invalid-domain";
    public const string RecipientLimit = "recipient.limit";

    public const string EngineError = "engine.error";

    /// <summary><c>sender.{header}.duplicate</c>: the field occurs more than once.</summary>
    public static string Duplicate(IdentityHeader header) => s_ids[(int)header, 0];

    /// <summary><c>sender.{header}.ambiguous</c>: the strict and lenient readers could disagree.</summary>
    public static string Ambiguous(IdentityHeader header) => s_ids[(int)header, 1];

    /// <summary><c>sender.{header}.invalid-domain</c>.</summary>
    public static string InvalidDomain(IdentityHeader header) => s_ids[(int)header, 2];

    /// <summary><c>sender.{header}.other-tenant</c>: owned by another tenant.</summary>
    public static string OtherTenant(IdentityHeader header) => s_ids[(int)header, 3];

    /// <summary><c>sender.{header}.not-owned</c>: Sender or Resent-* not owned by the submitter (external).</summary>
    public static string NotOwned(IdentityHeader header) => s_ids[(int)header, 4];

    /// <summary><c>sender.{header}.display-name</c>: the display name carries another tenant's address or domain.</summary>
    public static string DisplayName(IdentityHeader header) => s_ids[(int)header, 5];

    /// <summary><c>sender.{header}.confusable</c>: an IDN domain that looks like another tenant's.</summary>
    public static string Confusable(IdentityHeader header) => s_ids[(int)header, 6];

    private static readonly string[,] s_ids = BuildIds();

    private static string[,] BuildIds()
    {
        string[] suffixes = ["duplicate", "ambiguous", "invalid-domain", "other-tenant", "not-owned", "display-name", "confusable"];
        var ids = new string[4, suffixes.Length];
        foreach (var header in Enum.GetValues<IdentityHeader>())
        {
            for (int i = 0; i < suffixes.Length; i++)
            {
                ids[(int)header, i] = $"sender.{header.RuleSegment()}.{suffixes[i]}";
            }
        }

        return ids;
    }

    /// <summary>Every rule id, for configuration validation and docs.</summary>
    public static IReadOnlyList<string> All { get; } = BuildAll();

    private static string[] BuildAll()
    {
        var all = new List<string>
        {
            RelayDenied, LoginUnknown, AccountSuspended, LoginSuspended, TrialOutbound, BlockedIp, BlockedLogin, BlockedDomain, BlockedAddress,
            EnvelopeSyntax, EnvelopeInvalidDomain, EnvelopeOtherTenant, EnvelopeExternal, EnvelopeLoginAddress,
            HeaderMalformed, FromMissing, FromSeveralWithoutSender, FromForwarded, FromExternal,
            RecipientSyntax, RecipientRouting, RecipientInvalidDomain, RecipientLimit, EngineError,
        };
        foreach (var id in s_ids)
        {
            all.Add(id);
        }

        return [.. all];
    }
}
