using RelayWarden.Core.Control;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Records;

namespace RelayWarden.Web.Records;

/// <summary>
/// An account's state for the timeline: <c>suspended</c> (the account or its tenant, by the control store or the
/// configuration), <c>probation</c> (first seen, or its tenant created, less than <see cref="ProbationHours"/> ago:
/// the age the shipped monitor rules treat as new), else <c>active</c>; with the audit history of the account and
/// its tenant, newest first.
/// </summary>
public sealed record AccountState(
    string Account, string? Tenant, string State, string? Detail, DateTimeOffset? FirstSeen, DateTimeOffset? LastSeen,
    long Accepted, long Refused, IReadOnlyList<AuditEntry> History)
{
    /// <summary>The probation length of the shipped monitor rules (<c>account_age_hours &lt; 72</c>).</summary>
    public const double ProbationHours = 72;

    public static async Task<AccountState> ReadAsync(ConsoleContext console, string account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        var totals = (await console.Host.Records.TopAccountsAsync(new DecisionQuery { Account = account }, 1, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault();
        var directory = console.Host.Engines.Current.Directory;
        string? tenantId = totals?.Tenant ?? directory.FindLogin(account)?.Tenant.Id
            ?? (account.IndexOf('/', StringComparison.Ordinal) is int slash and > 0 ? account[..slash] : null);
        var tenant = tenantId is null ? null : directory.FindTenant(tenantId);

        string state = "active";
        string? detail = null;
        var now = console.Now;
        if (console.Control.FindSuspension(SuspensionScope.Account, account) is { } suspension)
        {
            (state, detail) = ("suspended", $"account suspended by {suspension.By} at {suspension.At.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {suspension.Why}");
        }
        else if (tenantId is not null && console.Control.FindSuspension(SuspensionScope.Tenant, tenantId) is { } tenantSuspension)
        {
            (state, detail) = ("suspended", $"tenant {tenantId} suspended by {tenantSuspension.By} at {tenantSuspension.At.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {tenantSuspension.Why}");
        }
        else if (tenant?.Status == TenantStatus.Suspended)
        {
            (state, detail) = ("suspended", $"tenant {tenantId} is suspended in the configuration");
        }
        else if (tenant?.CreatedAt is { } created && (now - created).TotalHours < ProbationHours)
        {
            (state, detail) = ("probation", $"tenant created {created.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
        }
        else if (totals is not null && (now - totals.FirstSeen).TotalHours < ProbationHours)
        {
            (state, detail) = ("probation", $"first seen {totals.FirstSeen.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
        }

        var history = console.Control.History(ControlSubjects.For(SuspensionScope.Account, account), 50).ToList();
        if (tenantId is not null)
        {
            history.AddRange(console.Control.History(ControlSubjects.For(SuspensionScope.Tenant, tenantId), 50));
        }

        return new AccountState(account, tenantId, state, detail, totals?.FirstSeen, totals?.LastSeen, totals?.Accepted ?? 0, totals?.Refused ?? 0,
            [.. history.OrderByDescending(h => h.At).ThenByDescending(h => h.Id)]);
    }
}
