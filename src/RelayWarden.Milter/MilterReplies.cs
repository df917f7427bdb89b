using RelayWarden.Core.Policy;

namespace RelayWarden.Milter;

/// <summary>
/// The one Verdict-to-wire table of the milter door: relay → continue; reject → SMFIR_REPLYCODE
/// with our 5xx reply; defer → SMFIR_REPLYCODE with our 4xx reply (a tempfail with our text);
/// hold → continue now, SMFIR_QUARANTINE at end of message.
/// </summary>
public static class MilterReplies
{
    /// <summary>The reply at a stage before end of message; null for hold (decided at end of message).</summary>
    public static MilterReply? ForStage(Verdict verdict) => verdict.Action switch
    {
        VerdictAction.Reject or VerdictAction.Defer => MilterReply.Code(verdict.Reply.ToString()),
        VerdictAction.Hold => null,
        _ => MilterReply.Continue,
    };

    /// <summary>The quarantine reason for a held message: the rule ids, for the operator who looks at the hold queue.</summary>
    public static string HoldReason(Verdict verdict) =>
        "RelayWarden: " + string.Join(", ", verdict.Reasons.Where(r => r.Outcome != ReasonOutcome.Info).Select(r => r.Rule));
}
