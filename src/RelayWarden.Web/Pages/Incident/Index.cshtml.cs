using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Hosting.Reports;
using RelayWarden.Web.Api;
using RelayWarden.Web.Records;

namespace RelayWarden.Web.Pages.Incident;

/// <summary>
/// The incident impact report: a spoofed domain or address and/or a tenant or account, and a window
/// (default: the last 24 h) → totals, the submitters table, the table of tenants whose domains were used,
/// and the CSV export of each.
/// </summary>
public sealed class IncidentModel : PageModel
{
    private readonly ConsoleContext _console;

    public IncidentModel(ConsoleContext console) => _console = console;

    public IncidentReport? Report { get; private set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public string Query { get; private set; } = string.Empty;

    public string Value(string name, string fallback = "") => Request.Query[name].FirstOrDefault() is { Length: > 0 } value ? value : fallback;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (new[] { "spoofed", "tenant", "account" }.All(n => string.IsNullOrWhiteSpace(Request.Query[n].FirstOrDefault())))
        {
            return; // the empty form
        }

        var query = new Microsoft.AspNetCore.Http.QueryCollection(new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>
        {
            ["spoofed"] = Value("spoofed"),
            ["tenant"] = Value("tenant"),
            ["account"] = Value("account"),
            ["since"] = Value("since", "-24h"),
            ["until"] = Value("until", "now"),
        });
        if (!RecordsApi.TryReadIncident(query, _console.Now, out var incident, out var errors))
        {
            Errors = errors;
            return;
        }

        // Fixed times in the export links, so the CSV matches the page even a minute later.
        static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Query = Microsoft.AspNetCore.Http.QueryString.Create(new Dictionary<string, string?>
        {
            ["spoofed"] = incident.Spoofed, ["tenant"] = incident.Tenant, ["account"] = incident.Account,
            ["since"] = Iso(incident.Since), ["until"] = Iso(incident.Until),
        }.Where(p => p.Value is not null)).ToUriComponent();
        Report = await RecordsApi.Reporter(_console).BuildAsync(incident, cancellationToken).ConfigureAwait(false);
    }
}
