using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Core.Control;

namespace RelayWarden.Web.Pages.Alerts;

/// <summary>The alerts, newest first: open (not dismissed), dismissed, or all.</summary>
public sealed class AlertsModel : PageModel
{
    private readonly ConsoleContext _console;

    public AlertsModel(ConsoleContext console) => _console = console;

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    public IReadOnlyList<TriagedAlert> Items { get; private set; } = [];

    public int OpenCount { get; private set; }

    public void OnGet()
    {
        Status = Status is "dismissed" or "all" ? Status : "open";
        Items = _console.Host.Triage.Alerts(Status switch { "open" => true, "dismissed" => false, _ => null }, null, 500);
        OpenCount = _console.Host.Triage.OpenCount();
    }
}
