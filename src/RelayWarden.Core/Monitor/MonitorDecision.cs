using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Monitor;

/// <summary>
/// The monitor's answer for one message: the strongest action of the rules that fired, the verdict
/// action and reply it maps to (so it merges with sender-authorization verdicts: the most severe wins),
/// one <see cref="Reason"/> per fired rule, and the new (de-duplicated) alerts.
/// </summary>
public sealed record MonitorDecision(MonitorAction? Action, VerdictAction Verdict, SmtpReply Reply, IReadOnlyList<Reason> Reasons, IReadOnlyList<MonitorAlert> Alerts)
{
    /// <summary>Nothing fired.</summary>
    public static MonitorDecision None { get; } = new(null, VerdictAction.Relay, SmtpReply.Accepted, [], []);

    public static SmtpReply DeferReply { get; } = new(SmtpStatusCode.LocalErrorInProcessing, "4.7.1", "Sending rate limited, try again later");

    public static SmtpReply RejectReply { get; } = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Sending blocked by policy");

    public static SmtpReply SuspendedReply { get; } = new(SmtpStatusCode.MailboxUnavailable, "5.7.1", "Account suspended, contact your provider");

    /// <summary>True when the message is not relayed now (hold, defer, reject, suspend).</summary>
    public bool Enforces => Action is not null and not MonitorAction.Alert;

    /// <summary>The rule action as the sender-authorization engine names it (suspend and reject both reject).</summary>
    public static RuleAction ToRuleAction(MonitorAction action) => action switch
    {
        MonitorAction.Alert => RuleAction.Monitor,
        MonitorAction.Hold => RuleAction.Hold,
        MonitorAction.Defer => RuleAction.Defer,
        _ => RuleAction.Reject,
    };

    public static VerdictAction ToVerdictAction(MonitorAction action) => action switch
    {
        MonitorAction.Alert => VerdictAction.Relay,
        MonitorAction.Hold => VerdictAction.Hold,
        MonitorAction.Defer => VerdictAction.Defer,
        _ => VerdictAction.Reject,
    };

    internal static SmtpReply ReplyFor(MonitorAction action) => action switch
    {
        MonitorAction.Alert => SmtpReply.Accepted,
        MonitorAction.Hold => SmtpReply.Held,
        MonitorAction.Defer => DeferReply,
        MonitorAction.Reject => RejectReply,
        _ => SuspendedReply,
    };
}
