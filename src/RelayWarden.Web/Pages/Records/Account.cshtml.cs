using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Core.Records;
using RelayWarden.Web.Records;

namespace RelayWarden.Web.Pages.Records;

/// <summary>
/// An account's timeline (<c>/records/account?account=…</c>): state and its history, a chart of messages,
/// recipients and distinct recipient domains over the window (default: the last 24 h), and its decision
/// records with the search filters.
/// </summary>
public sealed class AccountModel : PageModel
{
    private readonly ConsoleContext _console;

    public AccountModel(ConsoleContext console) => _console = console;

    public string Account { get; private set; } = string.Empty;

    public AccountState? State { get; private set; }

    /// <summary>The chart's SVG markup (built from numbers and dates only).</summary>
    public string Chart { get; private set; } = string.Empty;

    public TimeSpan Bucket { get; private set; }

    public IReadOnlyList<DecisionRecord> Results { get; private set; } = [];

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public string? NextLink { get; private set; }

    public string ExportLink { get; private set; } = string.Empty;

    public string Value(string name) => Request.Query[name].FirstOrDefault() ?? string.Empty;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Account = Value("account").Trim();
        if (Account.Length == 0)
        {
            Errors = ["account: required (open a timeline from a search result or an alert)"];
            return;
        }

        if (!RecordFilter.TryRead(Request.Query, _console.Now, out var filter, out var errors))
        {
            Errors = errors;
            return;
        }

        var window = filter with { Since = filter.Since ?? (filter.Until ?? _console.Now).AddDays(-1), Until = filter.Until ?? _console.Now };
        Bucket = ActivityChart.BucketFor(window.Until!.Value - window.Since!.Value);
        if ((window.Until.Value - window.Since.Value) / Bucket > Core.Records.ActivityBucket.MaxBuckets)
        {
            Errors = ["window: too long for the chart"];
            return;
        }

        State = await AccountState.ReadAsync(_console, Account, cancellationToken).ConfigureAwait(false);
        var series = await _console.Host.Records.ActivityAsync(new DecisionQuery { Account = Account, Since = window.Since, Until = window.Until }, Bucket, cancellationToken)
            .ConfigureAwait(false);
        Chart = ActivityChart.Render(series, $"Activity of {Account}");
        var page = await _console.Host.Records.SearchAsync(window, cancellationToken).ConfigureAwait(false);
        Results = page.Records;
        NextLink = page.Next is { } next ? "/records/account" + RecordFilter.With(Request.Query, "after", next.ToString()) : null;
        ExportLink = "/api/records/export.csv" + RecordFilter.With(Request.Query, "after", null, "limit");
    }
}
