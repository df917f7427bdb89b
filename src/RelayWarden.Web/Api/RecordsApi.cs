using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RelayWarden.Core.Records;
using RelayWarden.Hosting.Reports;
using RelayWarden.Web.Records;

namespace RelayWarden.Web.Api;

/// <summary>
/// Decision records (read-only, any role): search with paging and CSV export, activity series, top accounts
/// and rules, an account's timeline (state, history, series), and the incident impact report with its CSV
/// exports. Filters are query parameters (<see cref="RecordFilter"/>); a bad one is a 400 naming the field.
/// </summary>
internal static class RecordsApi
{
    /// <summary>Most rows of one CSV export of a search.</summary>
    public const int MaxExportRows = 100_000;

    public static void Map(RouteGroupBuilder api)
    {
        var records = api.MapGroup("/records").WithTags("records");
        records.MapGet("/", SearchAsync).WithName("SearchRecords")
            .WithSummary("Decision records matching the filters, newest first; 'next' is the 'after' value of the next page.");
        records.MapGet("/export.csv", ExportAsync).WithName("ExportRecords")
            .WithSummary($"The matching decision records as CSV (at most {MaxExportRows:N0} rows, newest first).");
        records.MapGet("/activity", ActivityAsync).WithName("RecordActivity")
            .WithSummary("Counts per bucket (bucket=minute|hour|day; default: the last 24 h per minute): accepted, held, rejected, deferred, recipients, distinct recipient domains.");
        records.MapGet("/top-accounts", TopAccountsAsync).WithName("TopAccounts")
            .WithSummary("The accounts with the most accepted messages in the window (default: the last 24 h).");
        records.MapGet("/top-rules", TopRulesAsync).WithName("TopRules")
            .WithSummary("The rules behind the most refused decisions in the window (default: the last 24 h).");
        records.MapGet("/replay", ReplayAsync).WithName("ReplayRecords")
            .WithSummary("Policy replay: the matching records (default: the last 24 h) judged again with the relay's current policy and rule_action=RULE:ACTION overrides; totals, and the changed verdicts (at most 'limit', default 100).");
        records.MapGet("/timeline", TimelineAsync).WithName("AccountTimeline")
            .WithSummary("One account (account=...): state (active, probation, suspended) with its audit history, and its activity series.");

        var incident = api.MapGroup("/incident").WithTags("incident");
        incident.MapGet("/", IncidentAsync).WithName("IncidentReport")
            .WithSummary("Incident impact report: spoofed (domain or address), tenant and/or account, since, until (required).");
        incident.MapGet("/export.csv", IncidentExportAsync).WithName("ExportIncidentReport")
            .WithSummary("One table of the incident report as CSV: table=submitters (default) or owners.");
    }

    private static IResult BadRequest(IEnumerable<string> errors) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "bad filter", detail: string.Join("; ", errors));

    private static async Task<IResult> SearchAsync(HttpContext http, ConsoleContext console)
    {
        if (!RecordFilter.TryRead(http.Request.Query, console.Now, out var filter, out var errors))
        {
            return BadRequest(errors);
        }

        var page = await console.Host.Records.SearchAsync(filter, http.RequestAborted).ConfigureAwait(false);
        return Results.Ok(new RecordPageView([.. page.Records.Select(RecordView.Of)], page.Next?.ToString()));
    }

    private static async Task ExportAsync(HttpContext http, ConsoleContext console)
    {
        if (!RecordFilter.TryRead(http.Request.Query, console.Now, out var filter, out var errors))
        {
            await BadRequest(errors).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"decisions-{console.Now.UtcDateTime:yyyyMMdd-HHmmss}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 65536);
        await RecordsCsv.WriteDecisionsAsync(writer, console.Host.Records.AllAsync(filter with { Limit = DecisionQuery.MaxLimit }, MaxExportRows, http.RequestAborted),
            http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<IResult> ReplayAsync(HttpContext http, ConsoleContext console)
    {
        var (result, errors) = await RunReplayAsync(http.Request.Query, console, http.RequestAborted).ConfigureAwait(false);
        return result is null ? BadRequest(errors!) : Results.Ok(result);
    }

    /// <summary>
    /// Runs a replay for the API and the page: the records filter (window: the last 24 h by default;
    /// <c>limit</c> counts listed changes, at most <see cref="DecisionQuery.MaxLimit"/>) and <c>rule_action</c> overrides.
    /// </summary>
    internal static async Task<(ReplayView? View, IReadOnlyList<string>? Errors)> RunReplayAsync(IQueryCollection query, ConsoleContext console, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (!RecordFilter.TryRead(query, console.Now, out var filter, out var filterErrors))
        {
            errors.AddRange(filterErrors);
        }

        if (!RuleActionOverrides.TryParse(query["rule_action"].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!), out var overrides, out var overrideErrors))
        {
            errors.AddRange(overrideErrors.Select(e => "rule_action: " + e));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        int listed = Math.Clamp(filter.Limit, 1, DecisionQuery.MaxLimit);
        var changed = new List<ReplayChangeView>();
        var replay = PolicyReplay.ForHost(console.Host, overrides);
        var summary = await ReplaySummary.RunAsync(replay, console.Host.Records, Windowed(filter, console.Now) with { After = null }, outcome =>
        {
            if (outcome.Status == ReplayStatus.Changed && changed.Count < listed)
            {
                var proposed = outcome.Proposed!;
                changed.Add(new ReplayChangeView(RecordView.Of(outcome.Record), new ProposedView(
                    Core.Records.RelayMeters.Name(proposed.Action), proposed.Reply.ToString(), proposed.Tenant,
                    PolicyReplay.FailedRules(proposed))));
            }
        }, cancellationToken).ConfigureAwait(false);
        return (new ReplayView(summary.Read, summary.Same, summary.Changed, summary.NotReplayed, summary.First, summary.Last,
            [.. summary.Changes.Select(c => new ReplayTransitionView(Core.Records.RelayMeters.Name(c.Recorded), Core.Records.RelayMeters.Name(c.Proposed), c.Count))],
            [.. summary.NotReplayedWhy.Select(w => new ReplayWhyView(w.Why, w.Count))],
            [.. overrides.Select(o => $"{o.Key}={o.Value.ToString().ToLowerInvariant()}").Order(StringComparer.Ordinal)],
            changed), null);
    }

    /// <summary>The filter with the last 24 h as window when none was given.</summary>
    private static DecisionQuery Windowed(DecisionQuery filter, DateTimeOffset now) =>
        filter with { Since = filter.Since ?? (filter.Until ?? now).AddDays(-1), Until = filter.Until ?? now };

    /// <summary>Reads <c>bucket</c>: minute, hour, day (or none: <paramref name="fallback"/>).</summary>
    private static TimeSpan? Bucket(HttpContext http, TimeSpan fallback, List<string> errors)
    {
        string? text = http.Request.Query["bucket"].FirstOrDefault();
        switch (text)
        {
            case null or "": return fallback;
            case "minute": return TimeSpan.FromMinutes(1);
            case "hour": return TimeSpan.FromHours(1);
            case "day": return TimeSpan.FromDays(1);
            default:
                errors.Add("bucket: must be minute, hour or day");
                return null;
        }
    }

    private static async Task<IResult> ActivityAsync(HttpContext http, ConsoleContext console)
    {
        if (!RecordFilter.TryRead(http.Request.Query, console.Now, out var filter, out var errors))
        {
            return BadRequest(errors);
        }

        filter = Windowed(filter, console.Now);
        var bucket = Bucket(http, TimeSpan.FromMinutes(1), errors);
        return await SeriesAsync(console, filter, bucket, errors, http.RequestAborted).ConfigureAwait(false) is { } series
            ? Results.Ok(series.Select(b => new BucketView(b.Start, b.Accepted, b.Held, b.Rejected, b.Deferred, b.Recipients, b.RecipientDomains)))
            : BadRequest(errors);
    }

    private static async Task<IReadOnlyList<ActivityBucket>?> SeriesAsync(ConsoleContext console, DecisionQuery filter, TimeSpan? bucket, List<string> errors, CancellationToken cancellationToken)
    {
        if (bucket is not { } size)
        {
            return null;
        }

        long count = (long)Math.Ceiling((filter.Until!.Value - filter.Since!.Value) / size);
        if (count > Core.Records.ActivityBucket.MaxBuckets)
        {
            errors.Add($"bucket: {count:N0} buckets is too many; use a longer bucket or a shorter window");
            return null;
        }

        return await console.Host.Records.ActivityAsync(filter, size, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> TopAccountsAsync(HttpContext http, ConsoleContext console, int? limit)
    {
        if (!RecordFilter.TryRead(http.Request.Query, console.Now, out var filter, out var errors) || limit is < 1 or > 1000)
        {
            return BadRequest([.. errors, .. limit is < 1 or > 1000 ? ["limit: must be 1 to 1000"] : Array.Empty<string>()]);
        }

        return Results.Ok(await console.Host.Records.TopAccountsAsync(Windowed(filter, console.Now), limit ?? 10, http.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> TopRulesAsync(HttpContext http, ConsoleContext console, int? limit)
    {
        if (!RecordFilter.TryRead(http.Request.Query, console.Now, out var filter, out var errors) || limit is < 1 or > 1000)
        {
            return BadRequest([.. errors, .. limit is < 1 or > 1000 ? ["limit: must be 1 to 1000"] : Array.Empty<string>()]);
        }

        return Results.Ok(await console.Host.Records.TopRulesAsync(Windowed(filter, console.Now), limit ?? 10, http.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> TimelineAsync(HttpContext http, ConsoleContext console)
    {
        if (!RecordFilter.TryRead(http.Request.Query, console.Now, out var filter, out var errors))
        {
            return BadRequest(errors);
        }

        if (filter.Account is not { } account)
        {
            return BadRequest(["account: required"]);
        }

        filter = Windowed(filter, console.Now);
        var bucket = Bucket(http, ActivityChart.BucketFor(filter.Until!.Value - filter.Since!.Value), errors);
        var series = await SeriesAsync(console, filter, bucket, errors, http.RequestAborted).ConfigureAwait(false);
        if (series is null)
        {
            return BadRequest(errors);
        }

        var state = await AccountState.ReadAsync(console, account, http.RequestAborted).ConfigureAwait(false);
        return Results.Ok(new TimelineView(state, series.Select(b => new BucketView(b.Start, b.Accepted, b.Held, b.Rejected, b.Deferred, b.Recipients, b.RecipientDomains)).ToList()));
    }

    /// <summary>Reads the report's query (spoofed, tenant, account, since, until) from a query string.</summary>
    internal static bool TryReadIncident(IQueryCollection query, DateTimeOffset now, out IncidentQuery incident, out List<string> errors)
    {
        errors = [];
        string? Text(string name) => query[name].FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
        var since = RecordFilter.Time("since", Text("since"), now, errors);
        var until = RecordFilter.Time("until", Text("until"), now, errors);
        if (errors.Count == 0 && (since is null || until is null))
        {
            errors.Add("since and until: both required");
        }

        incident = new IncidentQuery { Spoofed = Text("spoofed"), Tenant = Text("tenant"), Account = Text("account"), Since = since ?? now, Until = until ?? now };
        if (errors.Count == 0 && !incident.TryGetFilter(out _, out var problems))
        {
            errors.AddRange(problems.Select(p => p.StartsWith("identity:", StringComparison.Ordinal) ? "spoofed:" + p["identity:".Length..] : p));
        }

        return errors.Count == 0;
    }

    private static async Task<IResult> IncidentAsync(HttpContext http, ConsoleContext console)
    {
        if (!TryReadIncident(http.Request.Query, console.Now, out var query, out var errors))
        {
            return BadRequest(errors);
        }

        return Results.Ok(await Reporter(console).BuildAsync(query, http.RequestAborted).ConfigureAwait(false));
    }

    private static async Task IncidentExportAsync(HttpContext http, ConsoleContext console)
    {
        string table = http.Request.Query["table"].FirstOrDefault() ?? "submitters";
        if (!TryReadIncident(http.Request.Query, console.Now, out var query, out var errors) || table is not ("submitters" or "owners"))
        {
            await BadRequest(table is "submitters" or "owners" ? errors : [.. errors, "table: must be submitters or owners"]).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var report = await Reporter(console).BuildAsync(query, http.RequestAborted).ConfigureAwait(false);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"incident-{table}-{console.Now.UtcDateTime:yyyyMMdd-HHmmss}.csv\"";
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        if (table == "owners")
        {
            RecordsCsv.WriteOwners(text, report);
        }
        else
        {
            RecordsCsv.WriteSubmitters(text, report);
        }

        await http.Response.WriteAsync(text.ToString(), http.RequestAborted).ConfigureAwait(false);
    }

    internal static IncidentReporter Reporter(ConsoleContext console) =>
        new(console.Host.Records, () => console.Host.Engines.Current.Directory);
}

/// <summary>One bucket of an activity series.</summary>
internal sealed record BucketView(DateTimeOffset Start, long Accepted, long Held, long Rejected, long Deferred, long Recipients, long RecipientDomains);

/// <summary>An account's state and activity.</summary>
internal sealed record TimelineView(AccountState State, IReadOnlyList<BucketView> Series);
