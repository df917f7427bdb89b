namespace RelayWarden.Core.Policy;

/// <summary>What happens to a submission. When reasons combine, the most severe wins: Reject &gt; Defer &gt; Hold &gt; Relay.</summary>
public enum VerdictAction
{
    Relay = 0,
    Hold = 1,
    Defer = 2,
    Reject = 3,
}

/// <summary>What a failing rule does, as configured: the three verdict actions, or only record it.</summary>
public enum RuleAction
{
    Reject,
    Defer,
    Hold,
    /// <summary>Record the reason, change nothing.</summary>
    Monitor,
}

/// <summary>What a reason says about the submission.</summary>
public enum ReasonOutcome
{
    /// <summary>A rule failed.</summary>
    Fail,
    /// <summary>The engine could not decide (a fault); the configured error action applies.</summary>
    Error,
    /// <summary>Worth recording (for example an allowed forwarding), changes nothing.</summary>
    Info,
}
