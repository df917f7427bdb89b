using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Core.Control;
using RelayWarden.Core.Records;
using RelayWarden.Web.Dashboard;

namespace RelayWarden.Web.Pages;

/// <summary>
/// The dashboard: open alerts, messages and refusals per minute over the last 24 h (inline SVG), top
/// sending accounts and top refusing rules over the same window, and the spool.
/// </summary>
public sealed class IndexModel : PageModel
{
    private readonly ConsoleContext _console;

    public IndexModel(ConsoleContext console) => _console = console;

    public IReadOnlyList<TriagedAlert> Alerts { get; private set; } = [];

    public int OpenAlerts { get; private set; }

    public string Chart { get; private set; } = string.Empty;

    public long Accepted { get; private set; }

    public long Refused { get; private set; }

    public IReadOnlyList<AccountActivity> TopAccounts { get; private set; } = [];

    public IReadOnlyList<RuleActivity> TopRules { get; private set; } = [];

    public int Queued { get; private set; }

    public int Held { get; private set; }

    public int Suspended { get; private set; }

    public DateTimeOffset Since { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var now = _console.Now;
        var until = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);
        Since = until.AddHours(-24);
        var window = new DecisionQuery { Since = Since, Until = until };
        var records = _console.Host.Records;
        var series = await records.ActivityAsync(window, TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        Chart = DashboardChart.Render(series);
        Accepted = series.Sum(b => b.Accepted);
        Refused = series.Sum(b => b.Refused);
        (TopAccounts, TopRules) = await _console.TopLists.GetAsync(records, window, 10, cancellationToken).ConfigureAwait(false);
        Alerts = _console.Host.Triage.Alerts(true, null, 10);
        OpenAlerts = _console.Host.Triage.OpenCount();
        Queued = _console.Host.Spool.List().Count;
        Held = _console.Host.Spool.List(held: true).Count;
        Suspended = _console.Control.Suspensions().Count;
    }
}
