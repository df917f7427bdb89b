using Microsoft.AspNetCore.Mvc;
using RelayWarden.Hosting.Control;
using RelayWarden.Web.Admin;

namespace RelayWarden.Web.Pages.Tenants;

/// <summary>
/// <c>/directory</c>: tenants (list, add), domain claims (claim showing the TXT record to publish,
/// verify now, override with a reason, withdraw) and networks (add, remove). Everyone signed in reads;
/// every form needs the admin role.
/// </summary>
public sealed class DirectoryModel : AdminPageModel
{
    public DirectoryModel(ConsoleContext console)
        : base(console)
    {
    }

    internal IReadOnlyList<TenantView> Tenants { get; private set; } = [];

    internal IReadOnlyList<ClaimView> Claims { get; private set; } = [];

    internal IReadOnlyList<NetworkView> Networks { get; private set; } = [];

    public IActionResult OnPostAddTenant(string? id, string? name) =>
        Act(() => DirectoryViews.Admin(Console).AddTenant(id ?? string.Empty, name, Who), t => $"Tenant {t.Id} added.");

    public IActionResult OnPostClaim(string? tenant, string? domain) =>
        Act(() => DirectoryViews.Admin(Console).Claim(tenant ?? string.Empty, domain ?? string.Empty, Who),
            c => $"{c.Domain} claimed for {c.Tenant}: publish {DirectoryViews.Admin(Console).RecordName(c)}. IN TXT \"{DirectoryAdmin.RecordValue(c)}\", then verify.");

    public async Task<IActionResult> OnPostVerifyAsync(string? domain)
    {
        if (!IsAdmin)
        {
            return Forbid();
        }

        var result = await DirectoryViews.Admin(Console).VerifyAsync(domain ?? string.Empty, Who, HttpContext.RequestAborted).ConfigureAwait(false);
        return Done(result, c => $"{c.Domain}: {c.State.ToString().ToLowerInvariant()} — {c.CheckResult ?? c.OverrideWhy}");
    }

    public IActionResult OnPostOverride(string? domain, string? reason) =>
        Act(() => DirectoryViews.Admin(Console).Override(domain ?? string.Empty, Who, reason ?? string.Empty), c => $"{c.Domain} given to {c.Tenant} without the TXT record.");

    public IActionResult OnPostUnclaim(string? domain, string? reason) =>
        Act(() => DirectoryViews.Admin(Console).Unclaim(domain ?? string.Empty, Who, reason), c => $"Claim of {c.Domain} withdrawn.");

    public IActionResult OnPostAddNetwork(string? tenant, string? network, string? reason) =>
        Act(() => DirectoryViews.Admin(Console).AddNetwork(tenant ?? string.Empty, network ?? string.Empty, Who, reason), n => $"Network {n.Network} added to {n.Tenant}.");

    public IActionResult OnPostRemoveNetwork(string? network, string? reason) =>
        Act(() => DirectoryViews.Admin(Console).RemoveNetwork(network ?? string.Empty, Who, reason), n => $"Network {n.Network} removed from {n.Tenant}.");


    protected override void Load()
    {
        Tenants = DirectoryViews.Tenants(Console);
        Claims = DirectoryViews.Claims(Console);
        Networks = DirectoryViews.Networks(Console);
    }
}
