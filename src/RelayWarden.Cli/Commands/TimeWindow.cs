using System.CommandLine;
using System.Globalization;
using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Cli.Commands;

/// <summary><c>--since</c> and <c>--until</c> of the verbs that read a time window (trace, replay).</summary>
internal static class TimeWindow
{
    public static Option<string?> Since(string what) => new("--since") { Description = $"Only {what} at or after this time: ISO-8601 (2026-11-22T08:00Z), or a duration back from now (30m, 24h, 7d)." };

    public static Option<string?> Until(string what, bool inclusive = false) =>
        new("--until") { Description = $"Only {what} {(inclusive ? "at or before" : "before")} this time: ISO-8601, or a duration back from now." };

    /// <summary>Reads both options; false after one stderr line when either is neither a time nor a duration.</summary>
    public static bool TryBind(ParseResult parse, CliIo io, string verb, Option<string?> since, Option<string?> until, DateTimeOffset now,
        out DateTimeOffset? from, out DateTimeOffset? to)
    {
        ArgumentNullException.ThrowIfNull(parse);
        from = to = null;
        foreach (var (option, name) in new[] { (since, "--since"), (until, "--until") })
        {
            if (parse.GetValue(option) is not { } text)
            {
                continue;
            }

            if (!TryParse(text, now, out var time))
            {
                io.Error.WriteLine($"relaywarden {verb}: {name} '{text}' is neither an ISO-8601 time nor a duration (30m, 24h, 7d)");
                return false;
            }

            if (name == "--since")
            {
                from = time;
            }
            else
            {
                to = time;
            }
        }

        return true;
    }

    private static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset time)
    {
        if (ConfigLoader.TryParseDuration(text, out var ago) && ago > TimeSpan.Zero)
        {
            time = now - ago;
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }
}
