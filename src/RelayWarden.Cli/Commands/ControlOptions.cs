using System.CommandLine;
using System.Globalization;
using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Cli.Commands;

/// <summary>Options the <c>account</c> and <c>block</c> verbs share: who made a change and why.</summary>
internal static class ControlOptions
{
    public static Option<string> Config() => new("--config") { Description = "The YAML configuration.", Required = true };

    public static Option<string?> Reason() => new("--reason") { Description = "Why (kept in the audit trail)." };

    public static Option<string?> By() => new("--by") { Description = "Who makes the change (default: $USER)." };

    public static string Who(string? by) =>
        by is { Length: > 0 } ? by : Environment.GetEnvironmentVariable("USER") is { Length: > 0 } user ? user : Environment.UserName;

    /// <summary>An ISO-8601 time, or a duration from now (30m, 24h, 7d).</summary>
    public static bool TryParseExpiry(string text, DateTimeOffset now, out DateTimeOffset expires)
    {
        if (ConfigLoader.TryParseDuration(text, out var duration) && duration > TimeSpan.Zero)
        {
            expires = now + duration;
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out expires);
    }

    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
