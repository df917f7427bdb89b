using System.CommandLine;
using System.Globalization;
using RelayWarden.LogHunt.Reading;

namespace RelayWarden.Cli.Commands;

/// <summary>The options <c>hunt</c> and <c>trace</c> share: the log files and how their timestamps are read.</summary>
internal sealed class LogOptions
{
    public Argument<string[]> Files { get; } = new("FILE") { Description = "Postfix or Exim logs (plain, rotated, .gz); '-' or none = standard input.", Arity = ArgumentArity.ZeroOrMore };

    public Option<int> Year { get; } = new("--year") { Description = "Year of syslog (RFC 3164) lines; default inferred from each file's modification time." };

    public Option<string?> UtcOffset { get; } = new("--utc-offset") { Description = "Offset of timestamps without a zone, e.g. +01:00 (default +00:00)." };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Files);
        command.Options.Add(Year);
        command.Options.Add(UtcOffset);
    }

    /// <summary>The inputs and replay settings, or one stderr line and null.</summary>
    public (IReadOnlyList<LogInput> Inputs, LogReplay Replay)? TryBind(ParseResult parse, CliIo io, string verb)
    {
        string[] files = parse.GetValue(Files) is { Length: > 0 } given ? given : ["-"];
        foreach (string file in files)
        {
            if (file != "-" && !File.Exists(file))
            {
                io.Error.WriteLine($"relaywarden {verb}: no such file '{file}'");
                return null;
            }
        }

        var offset = TimeSpan.Zero;
        if (parse.GetValue(UtcOffset) is { } text)
        {
            string trimmed = text.StartsWith('+') ? text[1..] : text;
            if (!TimeSpan.TryParseExact(trimmed.TrimStart('-'), ["hh\\:mm", "hhmm"], CultureInfo.InvariantCulture, out offset) || offset > TimeSpan.FromHours(14))
            {
                io.Error.WriteLine($"relaywarden {verb}: --utc-offset '{text}' is not like +01:00");
                return null;
            }

            offset = trimmed.StartsWith('-') ? -offset : offset;
        }

        int year = parse.GetValue(Year);
        if (year != 0 && year is < 1970 or > 9999)
        {
            io.Error.WriteLine($"relaywarden {verb}: --year {year} is out of range");
            return null;
        }

        return (LogInput.Order(files), new LogReplay { Year = year, ZonelessOffset = offset });
    }

    public static string Time(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    public static string Short(DateTimeOffset time) => time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
