using System.Security.Cryptography;
using System.Text;
using RelayWarden.Core.Control;

namespace RelayWarden.Web.Auth;

/// <summary>
/// API tokens: <c>rw_</c> followed by 32 random bytes in base64url. Only the SHA-256 of a token is
/// stored, so a copy of the database does not give access; the token is printed once at creation.
/// </summary>
public static class ApiTokens
{
    public const string Prefix = "rw_";

    /// <summary>Creates a token, stores its hash and returns the token text (shown once).</summary>
    public static string Create(IConsoleStore store, string name, OperatorRole role, string by, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(store);
        string token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        store.AddToken(name, role, Hash(token), by, at);
        return token;
    }

    /// <summary>The stored form of a token: SHA-256, lower-case hex.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
