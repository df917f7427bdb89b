using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Core.Control;
using RelayWarden.Hosting.Control;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Admin;

/// <summary>
/// The shape every administration page shares (directory, blocklist, operators): everyone signed in
/// reads; a form runs a change only for an admin (others are sent to <c>/denied</c>), then redirects
/// with a flash line, or shows the page again with the error and the API's status code.
/// </summary>
public abstract class AdminPageModel : PageModel
{
    protected AdminPageModel(ConsoleContext console) => Console = console;

    protected ConsoleContext Console { get; }

    public string? Error { get; private set; }

    public bool IsAdmin => User.IsInRole(ConsoleClaims.RoleName(OperatorRole.Admin));

    /// <summary>Who is written in the audit trail.</summary>
    protected string Who => ConsoleContext.Who(User);

    public void OnGet() => Load();

    /// <summary>Reads what the page shows.</summary>
    protected abstract void Load();

    /// <summary>Runs <paramref name="change"/> for an admin; forbids anyone else.</summary>
    protected IActionResult Act<T>(Func<AdminResult<T>> change, Func<T, string> flash) => IsAdmin ? Done(change(), flash) : Forbid();

    /// <summary>Redirects with a flash line after a change, or shows the page with the error.</summary>
    protected IActionResult Done<T>(AdminResult<T> result, Func<T, string> flash)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(flash);
        if (result.Ok)
        {
            TempData["Flash"] = flash(result.Value!);
            return RedirectToPage();
        }

        Error = result.Error;
        Response.StatusCode = AdminHttp.Status(result.Failure);
        Load();
        return Page();
    }
}
