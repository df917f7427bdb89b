using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RelayWarden.Core.Control;
using RelayWarden.Core.Records;
using RelayWarden.Web.Alerts;
using RelayWarden.Web.Auth;
using RelayWarden.Web.Records;

namespace RelayWarden.Web.Api;

/// <summary>
/// Alerts (list, one with its evidence and the account's activity, dismiss), allowances (list,
/// withdraw) and accounts (state, suspend, resume, release or delete held mail). Reads for every
/// operator; writes for admins, audited.
/// </summary>
internal static class AlertsApi
{
    /// <summary>How the write routes take their reason.</summary>
    internal const string ReasonBody = "Optional JSON body {\"reason\": \"...\"} (at most 500 characters), or ?reason=; written to the audit trail.";

    public static void Map(RouteGroupBuilder api)
    {
        var alerts = api.MapGroup("/alerts").WithTags("alerts");
        alerts.MapGet("/", (string? status, string? key, int? limit, ConsoleContext console) =>
        {
            if (status is not (null or "" or "open" or "dismissed" or "all"))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "status must be open, dismissed or all");
            }

            bool? open = status switch
            {
                "dismissed" => false,
                "all" => null,
                _ => true,
            };

            if (limit is < 1 or > 1000)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "limit must be 1-1000");
            }

            return Results.Ok(console.Host.Triage.Alerts(open, string.IsNullOrEmpty(key) ? null : key, limit ?? 100).Select(AlertOperations.View).ToList());
        }).WithName("ListAlerts").WithSummary("Alerts newest first: status=open (default), dismissed or all; optionally of one key.");

        alerts.MapGet("/{id:long}", async (long id, ConsoleContext console, CancellationToken cancellationToken) =>
        {
            if (console.Host.Triage.FindAlert(id) is not { } found)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"no alert {id}");
            }

            return Results.Ok(await DetailAsync(console, found, cancellationToken).ConfigureAwait(false));
        }).WithName("GetAlert").WithSummary("One alert: rule, evidence, the account's state, recent decisions, held mail, history and allowances.");

        alerts.MapPost("/{id:long}/dismiss", async (long id, HttpContext http, ConsoleContext console) =>
        {
            var (request, error) = await JsonBody.ReadAsync<DismissRequest>(http.Request).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }

            var result = AlertOperations.Dismiss(console, id, ConsoleContext.Who(http.User), request?.Reason, request?.Allow ?? false, request?.AllowHours);
            return result.Outcome switch
            {
                DismissOutcome.Dismissed => Results.Ok(new DismissReply(AlertOperations.View(result.Alert!), result.Allowance)),
                DismissOutcome.NotFound => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"no alert {id}"),
                DismissOutcome.Conflict => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: result.Error),
                _ => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: result.Error),
            };
        }).RequireAuthorization(ConsoleClaims.AdminPolicy)
            .WithDescription("JSON body: {\"reason\": \"required, 1-500 characters\", \"allow\": true|false, \"allow_hours\": number (optional; none: until withdrawn)}. 409 when dismissed already.").WithName("DismissAlert").WithSummary("Dismiss as a false positive (reason required); allow=true also stops the rule acting on the key, for allow_hours or until withdrawn.");

        var allowances = api.MapGroup("/allowances").WithTags("alerts");
        allowances.MapGet("/", (ConsoleContext console) => console.Host.Triage.Allowances(console.Now))
            .WithName("ListAllowances").WithSummary("Monitor allowances in force: rule, key, until (null: until withdrawn), who and why.");
        allowances.MapDelete("/{id:long}", (long id, string? reason, HttpContext http, ConsoleContext console) =>
            AlertOperations.RemoveAllowance(console, id, ConsoleContext.Who(http.User), reason)
                ? Results.NoContent()
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"no allowance {id}"))
            .RequireAuthorization(ConsoleClaims.AdminPolicy)
            .WithName("RemoveAllowance").WithSummary("Withdraw an allowance: the rule acts on the key again.");

        var accounts = api.MapGroup("/accounts").WithTags("accounts");
        accounts.MapGet("/{account}", async (string account, ConsoleContext console, CancellationToken cancellationToken) =>
        {
            if (AlertOperations.Resolve(console, Uri.UnescapeDataString(account)) is not { } key)
            {
                return UnknownAccount(account);
            }

            return Results.Ok(new AccountDetail(AlertOperations.StateOf(console, key),
                (await AlertOperations.RecentAsync(console, key, 50, cancellationToken).ConfigureAwait(false)).Select(RecordView.Of).ToList(),
                AlertOperations.HistoryOf(console, key, 50), AlertOperations.Queue(console, held: true, key, 200)));
        }).WithName("GetAccount").WithSummary("An account (login, or tenant/ip URL-encoded): state, latest decisions, history, held mail.");

        accounts.MapPost("/{account}/suspend", async (string account, HttpContext http, ConsoleContext console) =>
            await WithReasonAsync(http, reason => Change(console, account, reason, http, suspend: true)).ConfigureAwait(false))
            .RequireAuthorization(ConsoleClaims.AdminPolicy)
            .WithName("SuspendAccount").WithSummary("Suspend an account: the relay refuses it at MAIL (550 5.7.1) from its next transaction.").WithDescription(ReasonBody);
        accounts.MapPost("/{account}/resume", async (string account, HttpContext http, ConsoleContext console) =>
            await WithReasonAsync(http, reason => Change(console, account, reason, http, suspend: false)).ConfigureAwait(false))
            .RequireAuthorization(ConsoleClaims.AdminPolicy)
            .WithName("ResumeAccount").WithSummary("Lift an account's suspension.").WithDescription(ReasonBody);
        accounts.MapPost("/{account}/held/release", async (string account, HttpContext http, ConsoleContext console) =>
            await WithReasonAsync(http, reason => AllHeld(console, account, reason, http, release: true)).ConfigureAwait(false))
            .RequireAuthorization(ConsoleClaims.AdminPolicy)
            .WithName("ReleaseAccountHeld").WithSummary("Release every held message of the account for delivery.").WithDescription(ReasonBody);
        accounts.MapDelete("/{account}/held", (string account, string? reason, HttpContext http, ConsoleContext console) =>
            AllHeld(console, account, reason, http, release: false))
            .RequireAuthorization(ConsoleClaims.AdminPolicy)
            .WithName("DeleteAccountHeld").WithSummary("Delete every held message of the account without delivering it.");
    }

    /// <summary>Runs <paramref name="act"/> with the reason of the optional JSON body (<c>{"reason": "..."}</c>) or of <c>?reason=</c>.</summary>
    internal static async Task<IResult> WithReasonAsync(HttpContext http, Func<string?, IResult> act)
    {
        var (request, error) = await JsonBody.ReadAsync<ReasonRequest>(http.Request).ConfigureAwait(false);
        return error ?? act(request?.Reason ?? (string?)http.Request.Query["reason"]);
    }

    private static IResult UnknownAccount(string account) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "unknown account", detail: $"'{Uri.UnescapeDataString(account)}' is no login and no tenant/ip of the configuration");

    private static IResult Change(ConsoleContext console, string account, string? reason, HttpContext http, bool suspend)
    {
        if (AlertOperations.Resolve(console, Uri.UnescapeDataString(account)) is not { } key)
        {
            return UnknownAccount(account);
        }

        if (reason is { Length: > 500 })
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "reason must have at most 500 characters");
        }

        string who = ConsoleContext.Who(http.User);
        bool changed = suspend ? AlertOperations.Suspend(console, key, who, reason) : AlertOperations.Resume(console, key, who, reason);
        return changed
            ? Results.Ok(AlertOperations.StateOf(console, key))
            : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: suspend ? "the account is suspended already" : "the account is not suspended");
    }

    private static IResult AllHeld(ConsoleContext console, string account, string? reason, HttpContext http, bool release)
    {
        if (AlertOperations.Resolve(console, Uri.UnescapeDataString(account)) is not { } key)
        {
            return UnknownAccount(account);
        }

        int count = AlertOperations.AllHeld(console, key, release, ConsoleContext.Who(http.User), reason);
        return Results.Ok(new HeldReply(key, release ? "released" : "deleted", count));
    }

    private static async Task<AlertDetail> DetailAsync(ConsoleContext console, TriagedAlert found, CancellationToken cancellationToken)
    {
        var alert = found.Alert;
        string? account = alert.Scope == "account" ? AlertOperations.Resolve(console, alert.Key) ?? alert.Key : null;
        IReadOnlyList<DecisionRecord> recent = account is null ? [] : await AlertOperations.RecentAsync(console, account, 50, cancellationToken).ConfigureAwait(false);
        return new AlertDetail(
            AlertOperations.View(found),
            AlertOperations.Evidence(alert),
            account is null ? null : AlertOperations.StateOf(console, account),
            recent.Select(RecordView.Of).ToList(),
            account is null ? [] : AlertOperations.Queue(console, held: true, account, 200),
            account is null ? [] : AlertOperations.HistoryOf(console, account, 50),
            console.Host.Triage.Allowances(console.Now).Where(a => a.Key == alert.Key).ToList());
    }
}

/// <summary>A dismissal: the reason (required); <c>allow</c> to stop the rule acting on the key; <c>allow_hours</c> for how long (none: until withdrawn).</summary>
internal sealed record DismissRequest(string? Reason, bool? Allow, double? AllowHours);

/// <summary>A request that only carries an optional reason.</summary>
internal sealed record ReasonRequest(string? Reason);

internal sealed record DismissReply(AlertView Alert, MonitorAllowance? Allowance);

internal sealed record HeldReply(string Account, string Action, int Count);

/// <summary>One alert with everything needed to confirm or dismiss it.</summary>
internal sealed record AlertDetail(AlertView Alert, AlertEvidence Evidence, AccountStatus? Account, IReadOnlyList<RecordView> Recent,
    IReadOnlyList<QueuedMessage> Held, IReadOnlyList<AuditEntry> History, IReadOnlyList<MonitorAllowance> Allowances);

/// <summary>An account's state and activity.</summary>
internal sealed record AccountDetail(AccountStatus State, IReadOnlyList<RecordView> Recent, IReadOnlyList<AuditEntry> History, IReadOnlyList<QueuedMessage> Held);
