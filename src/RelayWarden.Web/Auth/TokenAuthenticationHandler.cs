using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RelayWarden.Web.Auth;

/// <summary>Authenticates <c>Authorization: Bearer rw_…</c> against the stored token hashes.</summary>
internal sealed class TokenAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    private readonly ConsoleContext _console;

    public TokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ConsoleContext console)
        : base(options, logger, encoder) => _console = console;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("only Bearer tokens are accepted"));
        }

        string token = header["Bearer ".Length..].Trim();
        if (!token.StartsWith(ApiTokens.Prefix, StringComparison.Ordinal) || _console.Store.UseToken(ApiTokens.Hash(token), _console.Now) is not { } found)
        {
            return Task.FromResult(AuthenticateResult.Fail("invalid or revoked token"));
        }

        var principal = ConsoleClaims.Principal("token:" + found.Name, found.Role, ConsoleClaims.TokenScheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, ConsoleClaims.TokenScheme)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"relaywarden\"";
        return Task.CompletedTask;
    }
}
