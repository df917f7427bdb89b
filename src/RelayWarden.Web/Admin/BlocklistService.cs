using System.Globalization;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Control;

namespace RelayWarden.Web.Admin;

/// <summary>Blocklist entries for pages and API: the configuration's (read-only) and the control store's (added here or by the CLI).</summary>
internal static class BlocklistService
{
    public static readonly string[] Kinds = ["ip", "login", "domain", "address"];

    public static IReadOnlyList<BlockView> List(ConsoleContext console)
    {
        var now = console.Now;
        return [.. console.Host.Config.Blocklist.Entries.Select(e => View(e, DirectoryViews.FromConfig, now))
            .Concat(console.Control.Blocks().Select(e => View(e, DirectoryViews.FromConsole, now)))];
    }

    /// <summary>Adds (or replaces) a stored entry; <paramref name="expires"/> is ISO-8601 or a duration from now (30m, 24h, 7d).</summary>
    public static AdminResult<BlockView> Add(ConsoleContext console, string? kind, string? value, string? expires, string? reason, string by)
    {
        if (!TryKind(kind, out var blockKind, out string? problem) || !TryValue(blockKind, value, out string normalized, out problem))
        {
            return AdminResult<BlockView>.Refused(AdminFailure.Invalid, problem!);
        }

        var now = console.Now;
        DateTimeOffset? until = null;
        if (!string.IsNullOrWhiteSpace(expires))
        {
            if (!TryExpiry(expires.Trim(), now, out var parsed) || parsed <= now)
            {
                return AdminResult<BlockView>.Refused(AdminFailure.Invalid, $"expires '{expires}' is neither a future ISO-8601 time nor a duration (30m, 24h, 7d)");
            }

            until = parsed;
        }

        if (reason is { Length: > 500 })
        {
            return AdminResult<BlockView>.Refused(AdminFailure.Invalid, "a reason has at most 500 characters");
        }

        var entry = new BlockEntry(blockKind, normalized, until, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), by, now);
        console.Control.AddBlock(entry);
        console.Host.Engines.Refresh();
        return AdminResult<BlockView>.Success(View(entry, DirectoryViews.FromConsole, now));
    }

    public static AdminResult<BlockView> Remove(ConsoleContext console, string? kind, string? value, string? reason, string by)
    {
        if (!TryKind(kind, out var blockKind, out string? problem) || !TryValue(blockKind, value, out string normalized, out problem))
        {
            return AdminResult<BlockView>.Refused(AdminFailure.Invalid, problem!);
        }

        var existing = console.Control.Blocks().FirstOrDefault(e => e.Kind == blockKind && e.Value == normalized);
        if (existing is null || !console.Control.RemoveBlock(blockKind, normalized, by, console.Now, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()))
        {
            bool inConfig = console.Host.Config.Blocklist.Entries.Any(e => e.Kind == blockKind && e.Value == normalized);
            return AdminResult<BlockView>.Refused(AdminFailure.NotFound,
                $"no stored entry {Name(blockKind)} {normalized}{(inConfig ? " (it is in the configuration file: edit blocklist: there)" : string.Empty)}");
        }

        console.Host.Engines.Refresh();
        return AdminResult<BlockView>.Success(View(existing, DirectoryViews.FromConsole, console.Now));
    }

    private static BlockView View(BlockEntry entry, string source, DateTimeOffset now) =>
        new(Name(entry.Kind), entry.Value, source, entry.ExpiresAt, entry.IsActive(now), entry.Reason, entry.AddedBy, entry.AddedAt);

    private static string Name(BlockKind kind) => kind.ToString().ToLowerInvariant();

    private static bool TryKind(string? text, out BlockKind kind, out string? problem)
    {
        kind = default;
        problem = null;
        if (text is not null && Kinds.Contains(text, StringComparer.Ordinal))
        {
            kind = Enum.Parse<BlockKind>(text, ignoreCase: true);
            return true;
        }

        problem = $"kind '{text}' is not one of: {string.Join(", ", Kinds)}";
        return false;
    }

    private static bool TryValue(BlockKind kind, string? value, out string normalized, out string? problem)
    {
        normalized = ConfigLoader.NormalizeBlockValue(kind, value ?? string.Empty, out problem) ?? string.Empty;
        return problem is null && normalized.Length > 0;
    }

    private static bool TryExpiry(string text, DateTimeOffset now, out DateTimeOffset expires)
    {
        if (ConfigLoader.TryParseDuration(text, out var duration) && duration > TimeSpan.Zero)
        {
            expires = now + duration;
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out expires);
    }
}

/// <summary>A blocklist entry: <c>source</c> is <c>config</c> (read-only here) or <c>console</c> (stored); <c>active</c> is false once expired.</summary>
internal sealed record BlockView(string Kind, string Value, string Source, DateTimeOffset? ExpiresAt, bool Active, string? Reason, string? AddedBy, DateTimeOffset? AddedAt);
