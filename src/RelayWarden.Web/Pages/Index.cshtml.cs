using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Core.Control;

namespace RelayWarden.Web.Pages;

/// <summary>The dashboard.</summary>
public sealed class IndexModel : PageModel
{
    private readonly ConsoleContext _console;

    public IndexModel(ConsoleContext console) => _console = console;

    public IReadOnlyList<StoredAlert> Alerts { get; private set; } = [];

    public void OnGet() => Alerts = _console.Control.Alerts(null, 50);
}
