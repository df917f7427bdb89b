namespace RelayWarden.Core.Policy;

/// <summary>The engine's answer: the action, the reply for the client, the submitting tenant and every reason, in order.</summary>
public sealed record Verdict(VerdictAction Action, SmtpReply Reply, string? Tenant, IReadOnlyList<Reason> Reasons)
{
    public bool IsRelay => Action == VerdictAction.Relay;

    /// <summary>True when some reason has this rule id.</summary>
    public bool Has(string rule)
    {
        foreach (var reason in Reasons)
        {
            if (reason.Rule == rule)
            {
                return true;
            }
        }

        return false;
    }
}
