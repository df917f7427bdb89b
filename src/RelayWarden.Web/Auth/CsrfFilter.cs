using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace RelayWarden.Web.Auth;

/// <summary>
/// CSRF for the API: a write (anything but GET, HEAD, OPTIONS) made with a session cookie must carry the
/// antiforgery token in <see cref="HeaderName"/> (from <c>GET /api/session</c>). Token callers are exempt:
/// a browser never attaches a bearer token on its own.
/// </summary>
internal sealed class CsrfFilter : IEndpointFilter
{
    public const string HeaderName = "X-CSRF-TOKEN";

    private readonly IAntiforgery _antiforgery;

    public CsrfFilter(IAntiforgery antiforgery) => _antiforgery = antiforgery;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        string method = http.Request.Method;
        bool safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
        if (!safe && ConsoleClaims.IsSession(http.User) && !await _antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "missing or invalid CSRF token",
                detail: $"send the token of GET /api/session in the {HeaderName} header");
        }

        return await next(context).ConfigureAwait(false);
    }
}
