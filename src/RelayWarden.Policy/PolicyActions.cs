using RelayWarden.Core.Policy;

namespace RelayWarden.Policy;

/// <summary>
/// The one Verdict-to-wire table of the policy-delegation door (Postfix access(5) actions):
/// relay → <c>DUNNO</c> (no opinion: Postfix's own restrictions go on), reject → <c>5NN X.Y.Z text</c>
/// (our exact code), defer → <c>DEFER_IF_PERMIT X.Y.Z text</c>, hold → <c>HOLD text</c>. A relay on
/// which a rule in monitor mode failed is <c>PREPEND name: rules</c> at the message's first RCPT when
/// <c>policy.monitor_header</c> names a field (<see cref="PolicyDecider"/>).
/// </summary>
public static class PolicyActions
{
    public const string Dunno = "DUNNO";

    /// <summary>The answer when a request cannot be judged (garbage, missing attributes): a delay, never a loss, never a pass.</summary>
    public static string Malformed(string what) => MalformedPrefix + what;

    /// <summary>True for an answer made by <see cref="Malformed"/>: the request was the peer's error.</summary>
    public static bool IsMalformed(string action) => action.StartsWith(MalformedPrefix, StringComparison.Ordinal);

    private const string MalformedPrefix = "DEFER_IF_PERMIT 4.3.5 RelayWarden: ";

    public static string For(Verdict verdict) => verdict.Action switch
    {
        VerdictAction.Relay => Dunno,
        VerdictAction.Reject => verdict.Reply.ToString(),
        VerdictAction.Defer => $"DEFER_IF_PERMIT {verdict.Reply.EnhancedCode} {verdict.Reply.Text}",
        _ => $"HOLD {verdict.Reply.Text}",
    };
}
