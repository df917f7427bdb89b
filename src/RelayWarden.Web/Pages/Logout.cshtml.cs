using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Pages;

/// <summary>Ends the session (POST only, with the antiforgery token of the layout's form).</summary>
public sealed class LogoutModel : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleClaims.CookieScheme).ConfigureAwait(false);
        return Redirect("/login");
    }
}
