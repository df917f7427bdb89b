using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Core.Records;
using RelayWarden.Web.Records;

namespace RelayWarden.Web.Pages.Records;

/// <summary>Search over decision records: every filter, a result page, the next-page link and the CSV export.</summary>
public sealed class SearchModel : PageModel
{
    private readonly ConsoleContext _console;

    public SearchModel(ConsoleContext console) => _console = console;

    public IReadOnlyList<DecisionRecord> Results { get; private set; } = [];

    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>True when at least one filter was given (an empty form shows the latest records).</summary>
    public bool Filtered { get; private set; }

    public string? NextLink { get; private set; }

    public string ExportLink { get; private set; } = "/api/records/export.csv";

    /// <summary>The submitted value of a filter, for the form.</summary>
    public string Value(string name) => Request.Query[name].FirstOrDefault() ?? string.Empty;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Filtered = RecordFilter.Names.Any(n => n is not ("limit" or "after") && !string.IsNullOrWhiteSpace(Request.Query[n].FirstOrDefault()));
        if (!RecordFilter.TryRead(Request.Query, _console.Now, out var filter, out var errors))
        {
            Errors = errors;
            return;
        }

        var page = await _console.Host.Records.SearchAsync(filter, cancellationToken).ConfigureAwait(false);
        Results = page.Records;
        NextLink = page.Next is { } next ? "/records" + RecordFilter.With(Request.Query, "after", next.ToString()) : null;
        ExportLink = "/api/records/export.csv" + RecordFilter.With(Request.Query, "after", null, "limit");
    }
}
