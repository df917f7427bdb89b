using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Hosting.Control;
using RelayWarden.Web.Admin;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Pages.Blocks;

/// <summary><c>/blocklist</c>: the configuration's and the stored entries; admins add (with expiry and reason) and remove stored ones.</summary>
public sealed class BlocklistModel : PageModel
{
    private readonly ConsoleContext _console;

    public BlocklistModel(ConsoleContext console) => _console = console;

    internal IReadOnlyList<BlockView> Entries { get; private set; } = [];

    public string? Error { get; private set; }

    public bool IsAdmin => User.IsInRole(ConsoleClaims.RoleName(Core.Control.OperatorRole.Admin));

    public void OnGet() => Entries = BlocklistService.List(_console);

    public IActionResult OnPostAdd(string? kind, string? value, string? expires, string? reason) =>
        IsAdmin ? Done(BlocklistService.Add(_console, kind, value, expires, reason, ConsoleContext.Who(User)), b => $"Blocked {b.Kind} {b.Value}.") : Forbid();

    public IActionResult OnPostRemove(string? kind, string? value, string? reason) =>
        IsAdmin ? Done(BlocklistService.Remove(_console, kind, value, reason, ConsoleContext.Who(User)), b => $"Removed {b.Kind} {b.Value}.") : Forbid();

    private IActionResult Done(AdminResult<BlockView> result, Func<BlockView, string> flash)
    {
        if (result.Ok)
        {
            TempData["Flash"] = flash(result.Value!);
            return RedirectToPage();
        }

        Error = result.Error;
        Response.StatusCode = AdminHttp.Status(result.Failure);
        OnGet();
        return Page();
    }
}
