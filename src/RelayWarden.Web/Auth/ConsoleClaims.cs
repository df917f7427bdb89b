using System.Security.Claims;
using RelayWarden.Core.Control;

namespace RelayWarden.Web.Auth;

/// <summary>Scheme, policy and role names of the console, and the principal of an operator or token.</summary>
public static class ConsoleClaims
{
    /// <summary>Session cookies of signed-in operators.</summary>
    public const string CookieScheme = "session";

    /// <summary><c>Authorization: Bearer rw_…</c> API tokens.</summary>
    public const string TokenScheme = "token";

    /// <summary>Picks the token scheme when an Authorization header is present, else the cookie.</summary>
    public const string SelectScheme = "console";

    /// <summary>The policy of routes that change something.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The claim that says how the caller authenticated: <c>session</c> or <c>token</c>.</summary>
    public const string MethodClaim = "rw:auth";

    public static string RoleName(OperatorRole role) => role == OperatorRole.Admin ? "admin" : "analyst";

    public static ClaimsPrincipal Principal(string name, OperatorRole role, string scheme) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, RoleName(role)), new Claim(MethodClaim, scheme)],
            scheme, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>True when the caller signed in with a session cookie (CSRF applies), false for a token.</summary>
    public static bool IsSession(ClaimsPrincipal user) => user?.FindFirst(MethodClaim)?.Value == CookieScheme;
}
