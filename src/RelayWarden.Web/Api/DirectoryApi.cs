using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RelayWarden.Web.Admin;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Api;

/// <summary>
/// Tenants, domain claims and networks: anyone signed in reads, admins change. A claimed domain gives
/// its tenant nothing until its TXT record is verified (or an admin overrides the check with a reason).
/// </summary>
internal static class DirectoryApi
{
    public static void Map(RouteGroupBuilder api)
    {
        var tenants = api.MapGroup("/tenants").WithTags("directory");
        tenants.MapGet("/", (ConsoleContext console) => DirectoryViews.Tenants(console))
            .WithName("ListTenants").WithSummary("Every tenant (configuration and console) with its effective domains and networks.");
        tenants.MapPost("/", (NewTenant request, HttpContext http, ConsoleContext console) =>
            AdminHttp.Created(DirectoryViews.Admin(console).AddTenant(request.Id ?? string.Empty, request.Name, ConsoleContext.Who(http.User)), t => $"/api/tenants/{t.Id}"))
            .RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("AddTenant").WithSummary("Add a tenant (409 when the id is taken).");

        var domains = api.MapGroup("/domains").WithTags("directory");
        domains.MapGet("/", (ConsoleContext console) => DirectoryViews.Claims(console))
            .WithName("ListDomainClaims").WithSummary("Every domain claim: state (pending|verified|overridden|failed), the TXT record to publish, the last check.");
        domains.MapPost("/", (NewClaim request, HttpContext http, ConsoleContext console) =>
        {
            var result = DirectoryViews.Admin(console).Claim(request.Tenant ?? string.Empty, request.Domain ?? string.Empty, ConsoleContext.Who(http.User));
            return result.Ok ? Results.Created($"/api/domains/{result.Value!.Domain}", DirectoryViews.Claim(console, result.Value)) : AdminHttp.Refusal(result);
        }).RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("ClaimDomain")
            .WithSummary("Claim a domain for a tenant; the reply holds the TXT record to publish. 409 when another tenant owns or claims it.");
        domains.MapPost("/{domain}/verify", async (string domain, HttpContext http, ConsoleContext console, CancellationToken cancellationToken) =>
        {
            var result = await DirectoryViews.Admin(console).VerifyAsync(domain, ConsoleContext.Who(http.User), cancellationToken).ConfigureAwait(false);
            return result.Ok ? Results.Ok(DirectoryViews.Claim(console, result.Value!)) : AdminHttp.Refusal(result);
        }).RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("VerifyDomain")
            .WithSummary("Look the claim's TXT record up now: verified when found, failed (with what was found) otherwise; a DNS error keeps the state.");
        domains.MapPost("/{domain}/override", (string domain, OverrideRequest request, HttpContext http, ConsoleContext console) =>
        {
            var result = DirectoryViews.Admin(console).Override(domain, ConsoleContext.Who(http.User), request.Reason ?? string.Empty);
            return result.Ok ? Results.Ok(DirectoryViews.Claim(console, result.Value!)) : AdminHttp.Refusal(result);
        }).RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("OverrideDomain")
            .WithSummary("Give a pending or failed claim's domain to its tenant without the TXT record; the reason is required and audited.");
        domains.MapDelete("/{domain}", (string domain, string? reason, HttpContext http, ConsoleContext console) =>
        {
            var result = DirectoryViews.Admin(console).Unclaim(domain, ConsoleContext.Who(http.User), reason);
            return result.Ok ? Results.NoContent() : AdminHttp.Refusal(result);
        }).RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("UnclaimDomain").WithSummary("Withdraw a claim (a verified domain stops being the tenant's).");

        var networks = api.MapGroup("/networks").WithTags("directory");
        networks.MapGet("/", (ConsoleContext console) => DirectoryViews.Networks(console))
            .WithName("ListNetworks").WithSummary("Every client network with its tenant (configuration and console).");
        networks.MapPost("/", (NewNetwork request, HttpContext http, ConsoleContext console) =>
            AdminHttp.Created(DirectoryViews.Admin(console).AddNetwork(request.Tenant ?? string.Empty, request.Network ?? string.Empty, ConsoleContext.Who(http.User), request.Reason),
                n => $"/api/networks/{n.Network}"))
            .RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("AddNetwork").WithSummary("Give a tenant a client network (CIDR or address); 409 when it is anyone's already.");
        networks.MapDelete("/{**network}", (string network, string? reason, HttpContext http, ConsoleContext console) =>
        {
            var result = DirectoryViews.Admin(console).RemoveNetwork(Uri.UnescapeDataString(network), ConsoleContext.Who(http.User), reason);
            return result.Ok ? Results.NoContent() : AdminHttp.Refusal(result);
        }).RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("RemoveNetwork").WithSummary("Remove a network added in the console (DELETE /api/networks/203.0.113.0/24).");
    }
}

/// <summary>A new tenant: id (lower-case letters, digits, '-') and an optional display name.</summary>
internal sealed record NewTenant(string? Id, string? Name);

/// <summary>A domain claim for a tenant.</summary>
internal sealed record NewClaim(string? Tenant, string? Domain);

/// <summary>Why a claim's TXT check is overridden.</summary>
internal sealed record OverrideRequest(string? Reason);

/// <summary>A network for a tenant, with an optional reason.</summary>
internal sealed record NewNetwork(string? Tenant, string? Network, string? Reason);
