using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Hosting.Control;
using RelayWarden.Web.Admin;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Pages.Tenants;

/// <summary>
/// <c>/directory</c>: tenants (list, add), domain claims (claim showing the TXT record to publish,
/// verify now, override with a reason, withdraw) and networks (add, remove). Everyone signed in reads;
/// every form needs the admin role.
/// </summary>
public sealed class DirectoryModel : PageModel
{
    private readonly ConsoleContext _console;

    public DirectoryModel(ConsoleContext console) => _console = console;

    internal IReadOnlyList<TenantView> Tenants { get; private set; } = [];

    internal IReadOnlyList<ClaimView> Claims { get; private set; } = [];

    internal IReadOnlyList<NetworkView> Networks { get; private set; } = [];

    public string? Error { get; private set; }

    public bool IsAdmin => User.IsInRole(ConsoleClaims.RoleName(Core.Control.OperatorRole.Admin));

    public void OnGet() => Load();

    public IActionResult OnPostAddTenant(string? id, string? name) =>
        Act(() => DirectoryViews.Admin(_console).AddTenant(id ?? string.Empty, name, Who), t => $"Tenant {t.Id} added.");

    public IActionResult OnPostClaim(string? tenant, string? domain) =>
        Act(() => DirectoryViews.Admin(_console).Claim(tenant ?? string.Empty, domain ?? string.Empty, Who),
            c => $"{c.Domain} claimed for {c.Tenant}: publish {DirectoryViews.Admin(_console).RecordName(c)}. IN TXT \"{DirectoryAdmin.RecordValue(c)}\", then verify.");

    public async Task<IActionResult> OnPostVerifyAsync(string? domain)
    {
        if (!IsAdmin)
        {
            return Forbid();
        }

        var result = await DirectoryViews.Admin(_console).VerifyAsync(domain ?? string.Empty, Who, HttpContext.RequestAborted).ConfigureAwait(false);
        return Done(result, c => $"{c.Domain}: {c.State.ToString().ToLowerInvariant()} — {c.CheckResult ?? c.OverrideWhy}");
    }

    public IActionResult OnPostOverride(string? domain, string? reason) =>
        Act(() => DirectoryViews.Admin(_console).Override(domain ?? string.Empty, Who, reason ?? string.Empty), c => $"{c.Domain} given to {c.Tenant} without the TXT record.");

    public IActionResult OnPostUnclaim(string? domain, string? reason) =>
        Act(() => DirectoryViews.Admin(_console).Unclaim(domain ?? string.Empty, Who, reason), c => $"Claim of {c.Domain} withdrawn.");

    public IActionResult OnPostAddNetwork(string? tenant, string? network, string? reason) =>
        Act(() => DirectoryViews.Admin(_console).AddNetwork(tenant ?? string.Empty, network ?? string.Empty, Who, reason), n => $"Network {n.Network} added to {n.Tenant}.");

    public IActionResult OnPostRemoveNetwork(string? network, string? reason) =>
        Act(() => DirectoryViews.Admin(_console).RemoveNetwork(network ?? string.Empty, Who, reason), n => $"Network {n.Network} removed from {n.Tenant}.");

    private string Who => ConsoleContext.Who(User);

    private IActionResult Act<T>(Func<AdminResult<T>> change, Func<T, string> flash) => IsAdmin ? Done(change(), flash) : Forbid();

    private IActionResult Done<T>(AdminResult<T> result, Func<T, string> flash)
    {
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

    private void Load()
    {
        Tenants = DirectoryViews.Tenants(_console);
        Claims = DirectoryViews.Claims(_console);
        Networks = DirectoryViews.Networks(_console);
    }
}
