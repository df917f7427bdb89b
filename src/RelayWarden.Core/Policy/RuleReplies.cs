namespace RelayWarden.Core.Policy;

/// <summary>The default client reply of each rule when it rejects. Texts are generic on purpose.</summary>
public static class RuleReplies
{
    private static readonly SmtpReply s_relayDenied = new(SmtpStatusCode.TransactionFailed, "5.7.1", "Relay access denied");
    private static readonly SmtpReply s_loginUnknown = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Login not authorized to relay");
    private static readonly SmtpReply s_suspended = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Account suspended, contact your provider");
    private static readonly SmtpReply s_trial = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Outbound relay is not enabled for this account");
    private static readonly SmtpReply s_blocked = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Sending blocked by policy");
    private static readonly SmtpReply s_envelopeSyntax = new(SmtpStatusCode.MailboxNameNotAllowed, "5.1.7", "Bad sender address syntax");
    private static readonly SmtpReply s_envelopeDomain = new(SmtpStatusCode.MailboxNameNotAllowed, "5.1.7", "Invalid sender domain");
    private static readonly SmtpReply s_envelopeNotOwned = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Envelope sender not authorized for your account");
    private static readonly SmtpReply s_envelopeLogin = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Envelope sender not authorized for your login");
    private static readonly SmtpReply s_malformed = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Malformed or ambiguous message header");
    private static readonly SmtpReply s_fromMissing = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Message must have exactly one From header");
    private static readonly SmtpReply s_ambiguous = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Ambiguous author address in the message header");
    private static readonly SmtpReply s_fromNotOwned = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "From address not authorized for your account");
    private static readonly SmtpReply s_senderNotOwned = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Sender address not authorized for your account");
    private static readonly SmtpReply s_resentNotOwned = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Resent-From or Resent-Sender not authorized for your account");
    private static readonly SmtpReply s_displayName = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Display name impersonates another sender");
    private static readonly SmtpReply s_invalidDomain = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Invalid domain in an author address");
    private static readonly SmtpReply s_rcptSyntax = new(SmtpStatusCode.MailboxNameNotAllowed, "5.1.3", "Bad recipient address syntax");
    private static readonly SmtpReply s_rcptRouting = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Relay access denied: routing in recipient address");
    private static readonly SmtpReply s_rcptDomain = new(SmtpStatusCode.MailboxNameNotAllowed, "5.1.2", "Bad recipient domain");
    private static readonly SmtpReply s_rcptLimit = new(SmtpStatusCode.InsufficientStorage, "4.5.3", "Too many recipients");
    private static readonly SmtpReply s_external = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "From address not authorized for your account (external From needs attributed forwarding)");

    /// <summary>The reply for <paramref name="rule"/> when its action is reject.</summary>
    public static SmtpReply For(string rule)
    {
        switch (rule)
        {
            case RuleIds.RelayDenied: return s_relayDenied;
            case RuleIds.LoginUnknown: return s_loginUnknown;
            case RuleIds.AccountSuspended:
            case RuleIds.LoginSuspended: return s_suspended;
            case RuleIds.TrialOutbound: return s_trial;
            case RuleIds.EnvelopeSyntax: return s_envelopeSyntax;
            case RuleIds.EnvelopeInvalidDomain: return s_envelopeDomain;
            case RuleIds.EnvelopeOtherTenant:
            case RuleIds.EnvelopeExternal: return s_envelopeNotOwned;
            case RuleIds.EnvelopeLoginAddress: return s_envelopeLogin;
            case RuleIds.HeaderMalformed: return s_malformed;
            case RuleIds.FromMissing: return s_fromMissing;
            case RuleIds.FromExternal: return s_external;
            case RuleIds.EngineError: return SmtpReply.EngineFault;
            case RuleIds.RecipientSyntax: return s_rcptSyntax;
            case RuleIds.RecipientRouting: return s_rcptRouting;
            case RuleIds.RecipientInvalidDomain: return s_rcptDomain;
            case RuleIds.RecipientLimit: return s_rcptLimit;
        }

        if (rule.StartsWith("blocklist.", StringComparison.Ordinal))
        {
            return s_blocked;
        }

        if (rule.EndsWith(".ambiguous", StringComparison.Ordinal) || rule.EndsWith(".duplicate", StringComparison.Ordinal) ||
            rule == RuleIds.FromSeveralWithoutSender)
        {
            return s_ambiguous;
        }

        if (rule.EndsWith(".display-name", StringComparison.Ordinal) || rule.EndsWith(".confusable", StringComparison.Ordinal))
        {
            return s_displayName;
        }

        if (rule.EndsWith(".invalid-domain", StringComparison.Ordinal))
        {
            return s_invalidDomain;
        }

        if (rule.StartsWith("sender.sender.", StringComparison.Ordinal))
        {
            return s_senderNotOwned;
        }

        if (rule.StartsWith("sender.resent-", StringComparison.Ordinal))
        {
            return s_resentNotOwned;
        }

        return s_fromNotOwned;
    }
}
