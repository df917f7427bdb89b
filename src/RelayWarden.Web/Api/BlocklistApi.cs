using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RelayWarden.Web.Admin;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Api;

/// <summary>Blocklist entries (client IPs/CIDRs, logins, domains, addresses) with expiry: anyone signed in reads, admins change.</summary>
internal static class BlocklistApi
{
    public static void Map(RouteGroupBuilder api)
    {
        var blocks = api.MapGroup("/blocks").WithTags("blocklist");
        blocks.MapGet("/", (ConsoleContext console) => BlocklistService.List(console))
            .WithName("ListBlocks").WithSummary("Every blocklist entry: the configuration's and the stored ones, with expiry.");
        blocks.MapPost("/", (NewBlock request, HttpContext http, ConsoleContext console) =>
            AdminHttp.Created(BlocklistService.Add(console, request.Kind, request.Value, request.Expires, request.Reason, ConsoleContext.Who(http.User)),
                b => $"/api/blocks/{b.Kind}/{b.Value}"))
            .RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("AddBlock")
            .WithSummary("Add (or replace) an entry: kind ip|login|domain|address, value, optional expires (ISO-8601 or 30m, 24h, 7d) and reason.");
        blocks.MapDelete("/{kind}/{**value}", (string kind, string value, string? reason, HttpContext http, ConsoleContext console) =>
        {
            var result = BlocklistService.Remove(console, kind, Uri.UnescapeDataString(value), reason, ConsoleContext.Who(http.User));
            return result.Ok ? Results.NoContent() : AdminHttp.Refusal(result);
        }).RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("RemoveBlock").WithSummary("Remove a stored entry (DELETE /api/blocks/ip/203.0.113.0/24).");
    }
}

/// <summary>A new blocklist entry.</summary>
internal sealed record NewBlock(string? Kind, string? Value, string? Expires, string? Reason);
