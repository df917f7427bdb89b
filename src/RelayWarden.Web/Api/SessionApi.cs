using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Api;

/// <summary><c>GET /api/session</c>: who is calling, with which role, and the CSRF token a session needs for writes.</summary>
internal static class SessionApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/session", (HttpContext http, IAntiforgery antiforgery) =>
        {
            var user = http.User;
            bool session = ConsoleClaims.IsSession(user);
            string? csrf = session ? antiforgery.GetAndStoreTokens(http).RequestToken : null;
            return Results.Ok(new SessionInfo(ConsoleContext.Who(user), user.IsInRole("admin") ? "admin" : "analyst", session ? "session" : "token", csrf, CsrfFilter.HeaderName));
        }).WithName("GetSession").WithSummary("The caller: name, role (admin|analyst), how it authenticated, and the CSRF token for session writes.");
    }
}

/// <summary>The caller of an API route.</summary>
/// <param name="Name">Operator name, or <c>token:NAME</c>.</param>
/// <param name="Role"><c>admin</c> or <c>analyst</c>.</param>
/// <param name="Auth"><c>session</c> or <c>token</c>.</param>
/// <param name="CsrfToken">For a session: the value to send in <paramref name="CsrfHeader"/> on writes.</param>
/// <param name="CsrfHeader">The header name.</param>
internal sealed record SessionInfo(string Name, string Role, string Auth, string? CsrfToken, string CsrfHeader);
