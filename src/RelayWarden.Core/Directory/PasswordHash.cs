using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RelayWarden.Core.Directory;

/// <summary>
/// Password hashes of SMTP-AUTH logins, in a PHC-style string:
/// <c>$pbkdf2-sha256$i=210000$SALT$HASH</c> (salt and hash in unpadded base64). PBKDF2-HMAC-SHA256
/// with 210,000 iterations (OWASP 2023) and a 16-byte random salt; comparison in constant time.
/// </summary>
public static class PasswordHash
{
    private const string Prefix = "$pbkdf2-sha256$i=";

    /// <summary>Default iterations: slows an offline guess at a leaked configuration.</summary>
    public const int DefaultIterations = 210_000;

    private static readonly string s_dummy = Hash("relaywarden-dummy-password", 1000);

    /// <summary>Hashes a password with a fresh salt.</summary>
    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"{Prefix}{iterations.ToString(CultureInfo.InvariantCulture)}${B64(salt)}${B64(hash)}";
    }

    /// <summary>True when <paramref name="encoded"/> is a hash this class can verify.</summary>
    public static bool IsWellFormed(string? encoded) => TryDecode(encoded, out _, out _, out _);

    /// <summary>Verifies a password; false for a malformed or missing hash (work is still done, so timing tells nothing).</summary>
    public static bool Verify(string password, string? encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        bool known = TryDecode(encoded, out int iterations, out byte[] salt, out byte[] expected);
        if (!known)
        {
            TryDecode(s_dummy, out iterations, out salt, out expected);
        }

        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected) && known;
    }

    private static bool TryDecode(string? encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = [];
        hash = [];
        if (encoded is null || !encoded.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        string[] parts = encoded[Prefix.Length..].Split('$');
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations is < 1000 or > 10_000_000)
        {
            return false;
        }

        try
        {
            salt = FromB64(parts[1]);
            hash = FromB64(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 8 && hash.Length >= 16;
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromB64(string text) => Convert.FromBase64String(text.PadRight((text.Length + 3) / 4 * 4, '='));
}
