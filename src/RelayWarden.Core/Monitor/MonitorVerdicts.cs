using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Monitor;

/// <summary>Merges a monitor decision into a sender-authorization verdict: the most severe action wins, every reason is kept.</summary>
public static class MonitorVerdicts
{
    /// <summary>
    /// What every door does with the monitor: a message the sender authorization lets through (relay or
    /// hold) and attributes to a tenant is observed, and the decision is merged into the verdict. A
    /// refused message is not counted (it is not sent). <paramref name="observation"/> builds the
    /// observation for the verdict's tenant only when it is needed.
    /// </summary>
    public static Verdict Apply(IMonitorGate? monitor, Verdict verdict, Func<string, Observation> observation)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(observation);
        if (monitor is null || verdict.Tenant is not { } tenant || verdict.Action is VerdictAction.Reject or VerdictAction.Defer)
        {
            return verdict;
        }

        return Merge(verdict, monitor.Observe(observation(tenant)));
    }

    public static Verdict Merge(Verdict verdict, MonitorDecision decision)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Reasons.Count == 0)
        {
            return verdict;
        }

        Reason[] reasons = [.. verdict.Reasons, .. decision.Reasons];
        return decision.Verdict > verdict.Action
            ? new Verdict(decision.Verdict, decision.Reply, verdict.Tenant, reasons)
            : verdict with { Reasons = reasons };
    }
}
