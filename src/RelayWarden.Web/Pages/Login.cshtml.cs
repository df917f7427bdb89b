using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Core.Directory;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Pages;

/// <summary>Sign-in with an operator's name and password; a session cookie on success, audited either way.</summary>
public sealed class LoginModel : PageModel
{
    private readonly ConsoleContext _console;
    private readonly LoginThrottle _throttle;

    public LoginModel(ConsoleContext console, LoginThrottle throttle)
    {
        _console = console;
        _throttle = throttle;
    }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var now = _console.Now;
        string name = (Name ?? string.Empty).Trim();
        string address = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (_throttle.IsLocked(name, address, now))
        {
            _console.Host.Log.Write("web.login", ("result", "throttled"), ("name", name), ("client", address));
            Error = "Too many failed attempts. Try again in a few minutes.";
            return Page();
        }

        var found = name.Length == 0 ? null : _console.Store.FindOperator(name);
        bool valid = PasswordHash.Verify(Password ?? string.Empty, found is { Disabled: false } ? _console.Store.PasswordHashOf(name) : null);
        if (!valid || found is null)
        {
            _throttle.Failed(name, address, now);
            _console.Host.Log.Write("web.login", ("result", "failed"), ("name", name), ("client", address));
            _console.Store.Audit(now, name.Length == 0 ? "unknown" : name, "operator.login-failed", "operator:" + name, "from " + address);
            Error = "Wrong name or password.";
            return Page();
        }

        _throttle.Succeeded(name, address);
        await HttpContext.SignInAsync(ConsoleClaims.CookieScheme, ConsoleClaims.Principal(found.Name, found.Role, ConsoleClaims.CookieScheme)).ConfigureAwait(false);
        _console.Store.Audit(now, found.Name, "operator.login", "operator:" + found.Name, "from " + address);
        _console.Host.Log.Write("web.login", ("result", "ok"), ("name", found.Name), ("client", address));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
