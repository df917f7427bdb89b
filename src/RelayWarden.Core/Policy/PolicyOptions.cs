using RelayWarden.Mail.Headers;

namespace RelayWarden.Core.Policy;

/// <summary>Settings of the sender-authorization engine.</summary>
public sealed record PolicyOptions
{
    /// <summary>
    /// Per-rule action overrides (<c>policy.rule_actions</c>): reject, defer, hold or monitor.
    /// A rule not listed rejects. Default: none.
    /// </summary>
    public IReadOnlyDictionary<string, RuleAction> RuleActions { get; init; } = new Dictionary<string, RuleAction>();

    /// <summary>What an engine fault does (<c>policy.error_action</c>). Default defer (451 4.3.0): a bug delays mail, never loses or relays it.</summary>
    public RuleAction ErrorAction { get; init; } = RuleAction.Defer;

    /// <summary>Limits while reading the header block.</summary>
    public HeaderLimits HeaderLimits { get; init; } = HeaderLimits.Default;

    /// <summary>
    /// Recipients per message (<c>relay.max_recipients</c>); the next RCPT fails <c>recipient.limit</c>
    /// (452 4.5.3, RFC 5321 4.5.3.1.8). Default 0: no limit. Guards against one message fanning out to a mailing list's worth of victims.
    /// </summary>
    public int MaxRecipients { get; init; }

    /// <summary>
    /// <c>policy.monitor_header</c>: the name of a header field added to a message that is relayed
    /// although a rule failed on it, because that rule is in <c>monitor</c> mode; its value lists the
    /// rule ids. Added by the SMTP relay (after its Received field), the milter (at end of message) and
    /// the policy service (<c>PREPEND</c> at the first RCPT of a message), so a rule being tried can be
    /// seen on the mail it would refuse. Default
    /// null: no header (rule ids stay in the logs and records, not in mail that leaves).
    /// </summary>
    public string? MonitorHeader { get; init; }

    public static PolicyOptions Default { get; } = new();

    /// <summary>The action of a failing rule.</summary>
    public RuleAction ActionFor(string rule) =>
        RuleActions.TryGetValue(rule, out var action) ? action : RuleAction.Reject;
}
