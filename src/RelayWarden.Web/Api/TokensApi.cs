using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RelayWarden.Core.Control;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Api;

/// <summary>API tokens: list (admin), create (admin; the token is in the reply once), revoke (admin).</summary>
internal static class TokensApi
{
    public static void Map(RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").RequireAuthorization(ConsoleClaims.AdminPolicy).WithTags("tokens");
        tokens.MapGet("/", (ConsoleContext console) => console.Store.Tokens().Select(TokenView.Of).ToList())
            .WithName("ListTokens").WithSummary("Every API token (never the token itself).");
        tokens.MapPost("/", (NewToken request, HttpContext http, ConsoleContext console) =>
        {
            string name = request.Name?.Trim() ?? string.Empty;
            if (name.Length is 0 or > 64)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "name must have 1-64 characters");
            }

            var role = request.Role switch
            {
                null or "admin" => OperatorRole.Admin,
                "analyst" => OperatorRole.Analyst,
                _ => (OperatorRole?)null,
            };
            if (role is null)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "role must be admin or analyst");
            }

            string token = ApiTokens.Create(console.Store, name, role.Value, ConsoleContext.Who(http.User), console.Now);
            var created = console.Store.Tokens()[^1];
            return Results.Created($"/api/tokens/{created.Id}", new CreatedToken(TokenView.Of(created), token));
        }).WithName("CreateToken").WithSummary("Create an API token; the reply holds the token, shown this once.");
        tokens.MapDelete("/{id:long}", (long id, string? reason, HttpContext http, ConsoleContext console) =>
            console.Store.RevokeToken(id, ConsoleContext.Who(http.User), console.Now, reason)
                ? Results.NoContent()
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"no live token {id}"))
            .WithName("RevokeToken").WithSummary("Revoke an API token.");
    }
}

/// <summary>A token as listed: never the secret.</summary>
internal sealed record TokenView(long Id, string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, bool Revoked)
{
    public static TokenView Of(ApiToken token) =>
        new(token.Id, token.Name, ConsoleClaims.RoleName(token.Role), token.CreatedAt, token.LastUsedAt, token.Revoked);
}

/// <summary>A request for a new token.</summary>
internal sealed record NewToken(string? Name, string? Role);

/// <summary>The reply to a new token: the token text is shown only here.</summary>
internal sealed record CreatedToken(TokenView Token, string Secret);
