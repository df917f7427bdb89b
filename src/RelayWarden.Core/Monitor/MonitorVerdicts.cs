using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Monitor;

/// <summary>Merges a monitor decision into a sender-authorization verdict: the most severe action wins, every reason is kept.</summary>
public static class MonitorVerdicts
{
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
