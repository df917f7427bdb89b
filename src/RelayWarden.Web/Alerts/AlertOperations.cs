using System.Globalization;
using System.Net;
using System.Text.Json;
using RelayWarden.Core.Control;
using RelayWarden.Core.Records;
using RelayWarden.Smtp.Spool;

namespace RelayWarden.Web.Alerts;

/// <summary>What an operator does about an alert, shared by the pages and the REST API so the two never disagree.</summary>
internal static class AlertOperations
{
    /// <summary>An account younger than this (its tenant's <c>created_at</c>) is on probation, as in the shipped new-account rules.</summary>
    public static readonly TimeSpan Probation = TimeSpan.FromHours(72);

    /// <summary>The longest allowance a dismissal may grant (a year); none means until withdrawn.</summary>
    public const double MaxAllowHours = 24 * 366;

    /// <summary>
    /// The account key of <paramref name="account"/> when the relay knows it: a login of the directory, or
    /// <c>tenant/ip</c> of a known tenant. Null otherwise.
    /// </summary>
    public static string? Resolve(ConsoleContext console, string? account)
    {
        if (string.IsNullOrWhiteSpace(account) || account.Length > 320)
        {
            return null;
        }

        account = account.Trim();
        var directory = console.Host.Config.Directory;
        if (directory.FindLogin(account) is { } user)
        {
            return user.Login;
        }

        int slash = account.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && directory.FindTenant(account[..slash]) is not null && IPAddress.TryParse(account[(slash + 1)..], out var ip)
            ? $"{account[..slash]}/{ip}"
            : null;
    }

    /// <summary>The tenant an account key belongs to, or null.</summary>
    public static string? TenantOf(ConsoleContext console, string account)
    {
        if (console.Host.Config.Directory.FindLogin(account) is { } user)
        {
            return user.Tenant.Id;
        }

        int slash = account.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? account[..slash] : null;
    }

    /// <summary>The account's state now: suspended (itself or its tenant), probation (new or trial tenant) or active.</summary>
    public static AccountStatus StateOf(ConsoleContext console, string account)
    {
        var engine = console.Host.Engines.Current;
        string? tenantId = TenantOf(console, account);
        var suspension = engine.Suspensions.Find(SuspensionScope.Account, account) ?? console.Control.FindSuspension(SuspensionScope.Account, account);
        var tenantSuspension = tenantId is null ? null
            : engine.Suspensions.Find(SuspensionScope.Tenant, tenantId) ?? console.Control.FindSuspension(SuspensionScope.Tenant, tenantId);
        var tenant = tenantId is null ? null : console.Host.Config.Directory.FindTenant(tenantId);
        string state;
        string? detail = null;
        if (suspension is not null || tenantSuspension is not null || tenant?.Status == Core.Directory.TenantStatus.Suspended)
        {
            state = "suspended";
            var by = suspension ?? tenantSuspension;
            detail = by is null ? "tenant suspended in the configuration"
                : $"{(suspension is null ? "tenant " + tenantId : "account")} suspended by {by.By} at {by.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC{(by.Why is { Length: > 0 } why ? ": " + why : string.Empty)}";
        }
        else if (tenant is { CreatedAt: { } created } && console.Now - created < Probation)
        {
            state = "probation";
            detail = $"tenant created {created.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC (new-account rules apply for {Probation.TotalHours:0} h)";
        }
        else if (tenant?.Kind == Core.Directory.TenantKind.Trial)
        {
            state = "probation";
            detail = "trial tenant";
        }
        else
        {
            state = "active";
        }

        return new AccountStatus(account, tenantId, state, detail, suspension is not null);
    }

    /// <summary>The latest decisions of the account, newest first.</summary>
    public static Task<IReadOnlyList<DecisionRecord>> RecentAsync(ConsoleContext console, string account, int limit, CancellationToken cancellationToken) =>
        console.Host.Records.QueryAsync(new DecisionQuery { Account = account, Limit = limit }, cancellationToken);

    /// <summary>The changes to an account (and alert dismissals, allowances), newest first.</summary>
    public static IReadOnlyList<AuditEntry> HistoryOf(ConsoleContext console, string account, int limit) =>
        console.Control.History(ControlSubjects.For(SuspensionScope.Account, account), limit);

    /// <summary>Suspends an account in the control store and rebuilds the engine: the relay refuses it at MAIL from the next transaction.</summary>
    public static bool Suspend(ConsoleContext console, string account, string who, string? why)
    {
        bool changed = console.Control.Suspend(new Suspension(SuspensionScope.Account, account, who, console.Now, why));
        console.Host.Engines.Refresh();
        if (changed)
        {
            console.Host.Log.Write("web.suspend", ("account", account), ("by", who), ("why", why));
        }

        return changed;
    }

    /// <summary>Lifts an account's suspension (in the store, the engine and the monitor).</summary>
    public static bool Resume(ConsoleContext console, string account, string who, string? why)
    {
        bool changed = console.Control.Resume(SuspensionScope.Account, account, who, console.Now, why);
        console.Host.Engines.Refresh();
        if (changed)
        {
            console.Host.Log.Write("web.resume", ("account", account), ("by", who), ("why", why));
        }

        return changed;
    }

    /// <summary>Dismisses an alert and, when asked, allows its rule for its key; the monitor honors the allowance at once.</summary>
    public static DismissResult Dismiss(ConsoleContext console, long alertId, string who, string? reason, bool allow, double? allowHours)
    {
        string why = reason?.Trim() ?? string.Empty;
        if (why.Length is 0 or > 500)
        {
            return DismissResult.Invalid("a reason of 1-500 characters is required");
        }

        if (allowHours is { } hours && (double.IsNaN(hours) || hours <= 0 || hours > MaxAllowHours))
        {
            return DismissResult.Invalid($"allow_hours must be above 0 and at most {MaxAllowHours:0}");
        }

        var triage = console.Host.Triage;
        if (triage.FindAlert(alertId) is not { } found)
        {
            return DismissResult.NotFound;
        }

        if (!found.Open)
        {
            return DismissResult.Conflict;
        }

        var now = console.Now;
        DateTimeOffset? until = allow && allowHours is { } h ? now.AddHours(h) : null;
        if (!triage.Dismiss(alertId, who, now, why, allow, until, out var allowance))
        {
            return DismissResult.Conflict;
        }

        if (allowance is not null)
        {
            console.Host.Monitor.Allowances.Replace(triage.Allowances(now));
        }

        console.Host.Log.Write("web.dismiss", ("alert_id", alertId), ("rule", found.Alert.Rule), ("key", found.Alert.Key), ("by", who),
            ("allow", allowance is null ? "no" : until is { } u ? u.ToString("u", CultureInfo.InvariantCulture) : "until withdrawn"));
        return new DismissResult(DismissOutcome.Dismissed, null, triage.FindAlert(alertId), allowance);
    }

    /// <summary>Withdraws an allowance; the monitor acts on the rule again for that key.</summary>
    public static bool RemoveAllowance(ConsoleContext console, long id, string who, string? why)
    {
        var triage = console.Host.Triage;
        if (!triage.RemoveAllowance(id, who, console.Now, why))
        {
            return false;
        }

        console.Host.Monitor.Allowances.Replace(triage.Allowances(console.Now));
        return true;
    }

    /// <summary>True for a spool id (hex digits).</summary>
    public static bool IsQueueId(string? id) => id is { Length: > 0 and <= 64 } && id.All(char.IsAsciiHexDigit);

    /// <summary>Queued (or held) messages, optionally of one account, oldest first.</summary>
    public static List<QueuedMessage> Queue(ConsoleContext console, bool held, string? account, int limit)
    {
        var spool = console.Host.Spool;
        var list = new List<QueuedMessage>();
        foreach (string id in spool.List(held))
        {
            if (!spool.TryRead(id, out var envelope, out var content, held))
            {
                continue;
            }

            if (account is not null && !string.Equals(envelope.Account, account, StringComparison.Ordinal))
            {
                continue;
            }

            var state = held ? new SpoolState() : spool.ReadState(id);
            list.Add(new QueuedMessage(id, held, envelope.Received, envelope.MailFrom, envelope.Recipients, envelope.Tenant, envelope.Account, envelope.ClientIp,
                content.Length, state.Attempts, held || state.NextAttempt == default || state.NextAttempt == DateTimeOffset.MinValue ? null : state.NextAttempt, state.LastError));
            if (list.Count >= limit)
            {
                break;
            }
        }

        list.Sort((a, b) => a.Received.CompareTo(b.Received));
        return list;
    }

    /// <summary>Releases one held message for delivery; audited. False when no such held message.</summary>
    public static bool Release(ConsoleContext console, string id, string who, string? why)
    {
        var spool = console.Host.Spool;
        string? account = spool.TryRead(id, out var envelope, out _, held: true) ? envelope.Account : null;
        if (!spool.Release(id))
        {
            return false;
        }

        console.Store.Audit(console.Now, who, "queue.release", "queue:" + id, Describe(account, why));
        console.Host.Log.Write("web.queue", ("verb", "release"), ("queue_id", id), ("account", account), ("by", who));
        return true;
    }

    /// <summary>Deletes one message, held or queued, without delivering it; audited. False when no such message.</summary>
    public static bool Delete(ConsoleContext console, string id, string who, string? why)
    {
        var spool = console.Host.Spool;
        bool held = spool.TryRead(id, out var envelope, out _, held: true);
        string? account = held ? envelope.Account : spool.TryRead(id, out var queued, out _) ? queued.Account : null;
        if (!spool.Delete(id, held) && !spool.Delete(id, !held))
        {
            return false;
        }

        console.Store.Audit(console.Now, who, "queue.delete", "queue:" + id, Describe(account, why));
        console.Host.Log.Write("web.queue", ("verb", "delete"), ("queue_id", id), ("account", account), ("by", who));
        return true;
    }

    /// <summary>Releases or deletes every held message of an account; audited per message and once on the account. Returns how many.</summary>
    public static int AllHeld(ConsoleContext console, string account, bool release, string who, string? why)
    {
        int count = 0;
        foreach (var message in Queue(console, held: true, account, int.MaxValue))
        {
            if (release ? Release(console, message.Id, who, why) : Delete(console, message.Id, who, why))
            {
                count++;
            }
        }

        if (count > 0)
        {
            console.Store.Audit(console.Now, who, release ? "account.release-held" : "account.delete-held", ControlSubjects.For(SuspensionScope.Account, account),
                $"{count} message(s){(why is { Length: > 0 } ? ": " + why : string.Empty)}");
        }

        return count;
    }

    private static string? Describe(string? account, string? why) =>
        account is null ? why : why is { Length: > 0 } ? $"account {account}: {why}" : $"account {account}";

    /// <summary>The stored evidence of an alert, parsed for display; unreadable JSON gives an empty evidence with the raw text.</summary>
    public static AlertEvidence Evidence(StoredAlert alert)
    {
        try
        {
            using var document = JsonDocument.Parse(alert.EvidenceJson);
            var root = document.RootElement;
            var figures = new List<KeyValuePair<string, double>>();
            if (root.TryGetProperty("figures", out var f) && f.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in f.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Number)
                    {
                        figures.Add(new(property.Name, property.Value.GetDouble()));
                    }
                }
            }

            var domains = new List<DomainCount>();
            if (root.TryGetProperty("top_domains", out var d) && d.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in d.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("domain", out var name) && item.TryGetProperty("count", out var count) && count.ValueKind == JsonValueKind.Number)
                    {
                        domains.Add(new DomainCount(name.GetString() ?? string.Empty, count.GetInt32()));
                    }
                }
            }

            return new AlertEvidence(
                root.TryGetProperty("condition", out var condition) && condition.ValueKind == JsonValueKind.String ? condition.GetString() : null,
                figures, domains, Strings(root, "sample_message_ids"), Strings(root, "subject_hashes"), null);
        }
        catch (JsonException)
        {
            return new AlertEvidence(null, [], [], [], [], alert.EvidenceJson);
        }
    }

    private static List<string> Strings(JsonElement root, string name)
    {
        var list = new List<string>();
        if (root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    list.Add(item.GetString()!);
                }
            }
        }

        return list;
    }

    /// <summary>An alert as listed.</summary>
    public static AlertView View(TriagedAlert triaged) => new(triaged.Alert.Id, triaged.Alert.At, triaged.Alert.Rule, triaged.Alert.Scope, triaged.Alert.Key,
        triaged.Alert.Action, triaged.Alert.Severity, triaged.Open ? "open" : "dismissed", triaged.Dismissal?.By, triaged.Dismissal?.At, triaged.Dismissal?.Reason);
}

/// <summary>An account's state: <c>active</c>, <c>probation</c> or <c>suspended</c>, with a line of detail.</summary>
internal sealed record AccountStatus(string Account, string? Tenant, string State, string? Detail, bool SuspendedItself);

/// <summary>A message in the spool.</summary>
internal sealed record QueuedMessage(string Id, bool Held, DateTimeOffset Received, string MailFrom, IReadOnlyList<string> Recipients, string? Tenant,
    string? Account, string? ClientIp, long Size, int Attempts, DateTimeOffset? NextAttempt, string? LastError);

/// <summary>An alert as listed: the stored alert and its triage status.</summary>
internal sealed record AlertView(long Id, DateTimeOffset At, string Rule, string Scope, string Key, string Action, string Severity, string Status,
    string? DismissedBy, DateTimeOffset? DismissedAt, string? DismissReason);

/// <summary>A recipient domain with its message count.</summary>
internal sealed record DomainCount(string Domain, int Count);

/// <summary>The evidence of an alert, readable: the condition, window figures, top recipient domains, sample message ids and subject hashes.</summary>
internal sealed record AlertEvidence(string? Condition, IReadOnlyList<KeyValuePair<string, double>> Figures, IReadOnlyList<DomainCount> TopDomains,
    IReadOnlyList<string> SampleMessageIds, IReadOnlyList<string> SubjectHashes, string? Raw);

internal enum DismissOutcome
{
    Dismissed,
    Invalid,
    NotFound,
    Conflict,
}

/// <summary>What came of a dismissal.</summary>
internal sealed record DismissResult(DismissOutcome Outcome, string? Error, TriagedAlert? Alert, MonitorAllowance? Allowance)
{
    public static DismissResult NotFound { get; } = new(DismissOutcome.NotFound, "no such alert", null, null);

    public static DismissResult Conflict { get; } = new(DismissOutcome.Conflict, "the alert is dismissed already", null, null);

    public static DismissResult Invalid(string error) => new(DismissOutcome.Invalid, error, null, null);
}
