namespace RelayWarden.Core.Monitor;

/// <summary>Stable ids of the default monitor rules (docs/MONITOR.md lists each with its threshold and why).</summary>
public static class MonitorRuleIds
{
    public const string RcptDomainsBurst = "monitor.rcpt-domains.burst";
    public const string RcptDomainsSpread = "monitor.rcpt-domains.spread";
    public const string RcptDomainsVolume = "monitor.rcpt-domains.volume";
    public const string NewDomainsHourly = "monitor.new-domains.hourly";
    public const string NewDomainsSustained = "monitor.new-domains.sustained";
    public const string NewDomainsDaily = "monitor.new-domains.daily";
    public const string NewAccountVolume = "monitor.new-account.volume";
    public const string NewAccountRecipients = "monitor.new-account.recipients";
    public const string NullSenderVolume = "monitor.null-sender.volume";
    public const string RefusedShare = "monitor.refused.share";
    public const string MessagesRate = "monitor.messages.rate";
    public const string RecipientsDaily = "monitor.recipients.daily";
    public const string MessagesBaseline = "monitor.messages.baseline";
    public const string MessagesHourOfWeek = "monitor.messages.how";
    public const string NewDomainsHourOfWeek = "monitor.new-domains.how";

    /// <summary>Every message of a suspended key is rejected under this id until a person lifts it.</summary>
    public const string Suspended = "monitor.account.suspended";
}
