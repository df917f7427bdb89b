namespace RelayWarden.Core.Control;

/// <summary>A person's judgement that an alert was a false positive: who, when and why.</summary>
public sealed record AlertDismissal(long AlertId, string By, DateTimeOffset At, string Reason);

/// <summary>
/// An alert as the console lists it: the stored alert and, once a person dismissed it, the dismissal.
/// An alert without a dismissal is open.
/// </summary>
public sealed record TriagedAlert(StoredAlert Alert, AlertDismissal? Dismissal)
{
    public bool Open => Dismissal is null;
}

/// <summary>
/// A monitor rule switched off for one key (an account, a tenant, ...): the rule still counts, but its
/// action and alerts are dropped for that key until <see cref="Until"/> (forever when null).
/// </summary>
public sealed record MonitorAllowance(long Id, string Rule, string Key, string By, DateTimeOffset At, DateTimeOffset? Until, string Reason)
{
    public bool InForce(DateTimeOffset now) => Until is not { } until || until > now;
}

/// <summary>
/// How operators triage alerts (in <c>data_dir/control.db</c>, beside the alerts): dismissals of false
/// positives and allowances of a rule for a key. Every change is audited in the same transaction.
/// </summary>
public interface IAlertTriageStore : IDisposable
{
    /// <summary>One alert with its dismissal, or null for an unknown id.</summary>
    TriagedAlert? FindAlert(long id);

    /// <summary>Alerts newest first: open ones (<paramref name="open"/> true), dismissed ones (false) or all (null), optionally of one key.</summary>
    IReadOnlyList<TriagedAlert> Alerts(bool? open, string? key, int limit);

    /// <summary>How many alerts are open (not dismissed).</summary>
    int OpenCount();

    /// <summary>
    /// Dismisses an alert as a false positive and, when <paramref name="allow"/>, allows its rule for its
    /// key until <paramref name="allowUntil"/> (null: until withdrawn). False when the alert is unknown
    /// or dismissed already (nothing changes).
    /// </summary>
    bool Dismiss(long alertId, string by, DateTimeOffset at, string reason, bool allow, DateTimeOffset? allowUntil, out MonitorAllowance? allowance);

    /// <summary>Allowances, newest first; only those in force at <paramref name="now"/> when given.</summary>
    IReadOnlyList<MonitorAllowance> Allowances(DateTimeOffset? now);

    /// <summary>Withdraws an allowance; false when there was none.</summary>
    bool RemoveAllowance(long id, string by, DateTimeOffset at, string? why);
}
