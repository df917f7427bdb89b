using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Hosting.Control;
using RelayWarden.Web.Admin;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Pages.Operators;

/// <summary><c>/operators</c>: console operators; admins add, change role, disable or enable, and reset passwords.</summary>
public sealed class OperatorsModel : PageModel
{
    private readonly ConsoleContext _console;

    public OperatorsModel(ConsoleContext console) => _console = console;

    internal IReadOnlyList<OperatorView> Operators { get; private set; } = [];

    public string? Error { get; private set; }

    public bool IsAdmin => User.IsInRole(ConsoleClaims.RoleName(Core.Control.OperatorRole.Admin));

    public void OnGet() => Operators = OperatorService.List(_console);

    public IActionResult OnPostAdd(string? name, string? role, string? password) =>
        IsAdmin ? Done(OperatorService.Add(_console, name, role, password, ConsoleContext.Who(User)), o => $"Operator {o.Name} ({o.Role}) added.") : Forbid();

    public IActionResult OnPostRole(string? name, string? role) =>
        IsAdmin ? Done(OperatorService.Change(_console, name ?? string.Empty, role, null, null, null, ConsoleContext.Who(User)), o => $"{o.Name} is now {o.Role}.") : Forbid();

    public IActionResult OnPostDisable(string? name, bool disabled) =>
        IsAdmin ? Done(OperatorService.Change(_console, name ?? string.Empty, null, disabled, null, null, ConsoleContext.Who(User)), o => $"{o.Name} {(o.Disabled ? "disabled" : "enabled")}.") : Forbid();

    public IActionResult OnPostPassword(string? name, string? password) =>
        IsAdmin ? Done(OperatorService.Change(_console, name ?? string.Empty, null, null, password ?? string.Empty, "password reset", ConsoleContext.Who(User)), o => $"Password of {o.Name} reset.") : Forbid();

    private IActionResult Done(AdminResult<OperatorView> result, Func<OperatorView, string> flash)
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
