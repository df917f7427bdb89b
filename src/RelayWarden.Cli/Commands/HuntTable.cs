using System.Globalization;
using RelayWarden.LogHunt.Hunting;
using Spectre.Console;

namespace RelayWarden.Cli.Commands;

/// <summary>The ranked table of suspicious accounts: strongest severity first, then most rules, then earliest detection.</summary>
internal static class HuntTable
{
    public static IReadOnlyList<IGrouping<string, HuntAlert>> Rank(LogHunter hunter) =>
        [.. hunter.Alerts.GroupBy(a => a.Account, StringComparer.Ordinal)
            .OrderByDescending(g => g.Max(a => a.Alert.Severity))
            .ThenByDescending(g => g.Select(a => a.Alert.Rule).Distinct().Count())
            .ThenBy(g => g.Min(a => a.DetectedAt))
            .ThenBy(g => g.Key, StringComparer.Ordinal)];

    public static void Write(TextWriter output, LogHunter hunter, int top)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            Interactive = InteractionSupport.No,
        });
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected)
        {
            console.Profile.Width = 240;
        }

        var ranked = Rank(hunter);
        if (ranked.Count == 0)
        {
            console.WriteLine("No suspicious accounts.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Suspicious accounts");
        foreach (string column in new[] { "#", "account", "rules", "detected at", "msgs 1h", "rcpts 1h", "domains 1h", "refused 1h", "first activity", "last activity", "top recipient domains" })
        {
            table.AddColumn(new TableColumn(column));
        }

        int rank = 0;
        foreach (var group in ranked.Take(top))
        {
            var first = group.OrderBy(a => a.DetectedAt).First();
            var strongest = group.MaxBy(a => (a.Window.Domains, a.Window.Messages))!;
            hunter.Accounts.TryGetValue(group.Key, out var activity);
            string rules = string.Join("\n", group.Select(a => $"{a.Alert.Rule} ({a.Alert.Severity.ToString().ToLowerInvariant()})").Distinct());
            string domains = string.Join(", ", group.SelectMany(a => a.Alert.TopDomains).GroupBy(d => d.Domain).Select(g => (g.Key, g.Max(d => d.Count)))
                .OrderByDescending(d => d.Item2).Take(5).Select(d => $"{d.Key} ({d.Item2})"));
            table.AddRow(
                (++rank).ToString(CultureInfo.InvariantCulture),
                Markup.Escape(group.Key),
                Markup.Escape(rules),
                LogOptions.Short(first.DetectedAt),
                N(strongest.Window.Messages),
                N(strongest.Window.Recipients),
                N(strongest.Window.Domains),
                strongest.Window.RefusedShare.ToString("P0", CultureInfo.InvariantCulture),
                activity is null ? "-" : LogOptions.Short(activity.First),
                activity is null ? "-" : LogOptions.Short(activity.Last),
                Markup.Escape(domains));
        }

        console.Write(table);
    }

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
