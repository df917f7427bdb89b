namespace RelayWarden.Core.Policy;

/// <summary>
/// Why a verdict is what it is: a stable rule id (the same in the verdict, the log, the stored event,
/// the config and the docs), an outcome, an operator text and typed evidence.
/// </summary>
public sealed record Reason(string Rule, ReasonOutcome Outcome, string Detail, Evidence Evidence)
{
    public override string ToString() => $"{Rule}: {Detail}";
}
