namespace RelayWarden.Core.Policy;

/// <summary>Collects reasons in order and folds them into a verdict: the most severe action wins, no reason is dropped.</summary>
internal sealed class VerdictBuilder
{
    private readonly PolicyOptions _options;
    private List<(Reason Reason, VerdictAction Action, SmtpReply? Reply)>? _reasons;

    public VerdictBuilder(PolicyOptions options) => _options = options;

    public string? Tenant { get; set; }

    /// <summary>Records a failing rule; its configured action may raise the verdict's action.</summary>
    public void Fail(string rule, string detail, Evidence evidence) =>
        Add(new Reason(rule, ReasonOutcome.Fail, detail, evidence), _options.ActionFor(rule));

    /// <summary>Records an engine fault; the configured error action applies.</summary>
    public void Error(string detail) =>
        Add(new Reason(RuleIds.EngineError, ReasonOutcome.Error, detail, Evidence.None), _options.ErrorAction);

    /// <summary>Records a fact that changes nothing.</summary>
    public void Info(string rule, string detail, Evidence evidence) => Add(new Reason(rule, ReasonOutcome.Info, detail, evidence), RuleAction.Monitor);

    /// <summary>Appends another builder's reasons after this one's, in their order.</summary>
    public void Append(VerdictBuilder other)
    {
        if (other._reasons is { } more)
        {
            (_reasons ??= new(more.Count)).AddRange(more);
        }
    }

    private void Add(Reason reason, RuleAction ruleAction)
    {
        bool engine = reason.Rule == RuleIds.EngineError;
        var entry = ruleAction switch
        {
            RuleAction.Reject => (reason, VerdictAction.Reject, engine ? new SmtpReply(SmtpStatusCode.TransactionFailed, "5.3.0", "Policy failure") : RuleReplies.For(reason.Rule)),
            RuleAction.Defer => (reason, VerdictAction.Defer, engine ? SmtpReply.EngineFault : SmtpReply.TryLater),
            RuleAction.Hold => (reason, VerdictAction.Hold, SmtpReply.Held),
            _ => (reason, VerdictAction.Relay, (SmtpReply?)null),
        };
        (_reasons ??= new(2)).Add(entry);
    }

    /// <summary>The verdict: the most severe action; the first reason that reaches it names the reply.</summary>
    public Verdict Build()
    {
        if (_reasons is null)
        {
            return new Verdict(VerdictAction.Relay, SmtpReply.Accepted, Tenant, []);
        }

        var action = VerdictAction.Relay;
        SmtpReply? reply = null;
        var reasons = new Reason[_reasons.Count];
        for (int i = 0; i < reasons.Length; i++)
        {
            var entry = _reasons[i];
            reasons[i] = entry.Reason;
            if (entry.Action > action)
            {
                action = entry.Action;
                reply = entry.Reply;
            }
        }

        return new Verdict(action, reply ?? SmtpReply.Accepted, Tenant, reasons);
    }
}
