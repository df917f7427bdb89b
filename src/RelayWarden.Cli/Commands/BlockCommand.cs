using System.CommandLine;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Control;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden block add|remove|list --config FILE --kind ip|login|domain|address VALUE</c>: blocklist
/// entries in the control store, with an optional expiry. Values are normalized as the configuration's
/// <c>blocklist:</c> (CIDR, A-label domain, address). A running relay picks a change up within seconds.
/// </summary>
internal static class BlockCommand
{
    private static readonly string[] s_kinds = ["ip", "login", "domain", "address"];

    public static Command Create(CliIo io)
    {
        var command = new Command("block", "Manage blocklist entries (client IPs/CIDRs, logins, domains, addresses).");
        command.Subcommands.Add(Add(io));
        command.Subcommands.Add(Remove(io));
        command.Subcommands.Add(List(io));
        return command;
    }

    private static Option<string> KindOption(bool required)
    {
        return new Option<string>("--kind") { Description = "ip | login | domain | address", Required = required };
    }

    /// <summary>The kind named by --kind; null (after one stderr line) when it is none of them.</summary>
    private static BlockKind? Kind(CliIo io, string verb, string kind)
    {
        if (s_kinds.Contains(kind, StringComparer.Ordinal))
        {
            return Enum.Parse<BlockKind>(kind, ignoreCase: true);
        }

        io.Error.WriteLine($"relaywarden block {verb}: --kind '{kind}' is not one of: {string.Join(", ", s_kinds)}");
        return null;
    }

    private static Argument<string> ValueArgument() => new("VALUE") { Description = "An IP or CIDR, a login, a domain or an address." };

    private static string? Normalize(CliIo io, string verb, BlockKind kind, string value)
    {
        if (ConfigLoader.NormalizeBlockValue(kind, value, out string? problem) is { } normalized)
        {
            return normalized;
        }

        io.Error.WriteLine($"relaywarden block {verb}: {problem}");
        return null;
    }

    private static Command Add(CliIo io)
    {
        var config = ControlOptions.Config();
        var kind = KindOption(required: true);
        var value = ValueArgument();
        var expires = new Option<string?>("--expires") { Description = "Until when: ISO-8601 (2026-12-01T00:00:00Z) or a duration from now (30m, 24h, 7d)." };
        var reason = ControlOptions.Reason();
        var by = ControlOptions.By();
        var command = new Command("add", "Add (or replace) a blocklist entry.") { config, kind, value, expires, reason, by };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "block add", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            if (Kind(io, "add", parse.GetValue(kind)!) is not { } blockKind)
            {
                return Program.UsageError;
            }

            if (Normalize(io, "add", blockKind, parse.GetValue(value)!) is not { } normalized)
            {
                return Program.UsageError;
            }

            var now = TimeProvider.System.GetUtcNow();
            DateTimeOffset? until = null;
            if (parse.GetValue(expires) is { } text)
            {
                if (!ControlOptions.TryParseExpiry(text, now, out var parsed) || parsed <= now)
                {
                    io.Error.WriteLine($"relaywarden block add: --expires '{text}' is neither a future ISO-8601 time nor a duration (30m, 24h, 7d)");
                    return Program.UsageError;
                }

                until = parsed;
            }

            string who = ControlOptions.Who(parse.GetValue(by));
            using var store = ControlStores.Open(loaded);
            store.AddBlock(new BlockEntry(blockKind, normalized, until, parse.GetValue(reason), who, now));
            io.Out.WriteLine($"blocked {blockKind.ToString().ToLowerInvariant()} {normalized}{(until is { } u ? $" until {ControlOptions.Time(u)}" : string.Empty)} by {who}");
            return 0;
        });
        return command;
    }

    private static Command Remove(CliIo io)
    {
        var config = ControlOptions.Config();
        var kind = KindOption(required: true);
        var value = ValueArgument();
        var reason = ControlOptions.Reason();
        var by = ControlOptions.By();
        var command = new Command("remove", "Remove a blocklist entry added with 'block add'.") { config, kind, value, reason, by };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "block remove", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            if (Kind(io, "remove", parse.GetValue(kind)!) is not { } blockKind)
            {
                return Program.UsageError;
            }

            if (Normalize(io, "remove", blockKind, parse.GetValue(value)!) is not { } normalized)
            {
                return Program.UsageError;
            }

            string who = ControlOptions.Who(parse.GetValue(by));
            using var store = ControlStores.Open(loaded);
            if (!store.RemoveBlock(blockKind, normalized, who, TimeProvider.System.GetUtcNow(), parse.GetValue(reason)))
            {
                bool inConfig = loaded.Blocklist.Entries.Any(e => e.Kind == blockKind && e.Value == normalized);
                io.Error.WriteLine($"relaywarden block remove: no stored entry {blockKind.ToString().ToLowerInvariant()} {normalized}{(inConfig ? " (it is in the configuration file: edit blocklist: there)" : string.Empty)}");
                return 1;
            }

            io.Out.WriteLine($"removed {blockKind.ToString().ToLowerInvariant()} {normalized} by {who}");
            return 0;
        });
        return command;
    }

    private static Command List(CliIo io)
    {
        var config = ControlOptions.Config();
        var kind = KindOption(required: false);
        var command = new Command("list", "List blocklist entries: the configuration's and the stored ones.") { config, kind };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "block list", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            BlockKind? only = null;
            if (parse.GetValue(kind) is { } k)
            {
                if (Kind(io, "list", k) is not { } parsed)
                {
                    return Program.UsageError;
                }

                only = parsed;
            }

            var now = TimeProvider.System.GetUtcNow();
            using var store = ControlStores.Open(loaded);
            int count = 0;
            foreach (var (entry, source) in loaded.Blocklist.Entries.Select(e => (e, "config")).Concat(store.Blocks().Select(e => (e, "store"))))
            {
                if (only is { } wanted && entry.Kind != wanted)
                {
                    continue;
                }

                string expiry = entry.ExpiresAt is { } at ? $"{(entry.IsActive(now) ? "expires" : "expired")}={ControlOptions.Time(at)}" : "expires=never";
                string added = entry.AddedAt is { } when && source == "store" ? $"  added={ControlOptions.Time(when)}" : string.Empty;
                io.Out.WriteLine($"{entry.Kind.ToString().ToLowerInvariant(),-7}  {entry.Value}  {expiry}  source={source}  by={entry.AddedBy ?? "-"}{added}{(entry.Reason is { Length: > 0 } why ? $"  why=\"{why}\"" : string.Empty)}");
                count++;
            }

            io.Out.WriteLine($"{count} entr{(count == 1 ? "y" : "ies")}");
            return 0;
        });
        return command;
    }
}
