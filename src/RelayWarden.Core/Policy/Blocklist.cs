using System.Net;
using RelayWarden.Core.Directory;

namespace RelayWarden.Core.Policy;

/// <summary>
/// Blocked client networks, logins, domains (with their subdomains) and addresses, each with an
/// optional expiry. Immutable; a new snapshot replaces it on change. Expiry is judged against the
/// time the engine is handed.
/// </summary>
public sealed class Blocklist
{
    private readonly IpPrefixTable<BlockEntry> _networks = new();
    private readonly Dictionary<string, BlockEntry> _logins = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, BlockEntry> _domains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BlockEntry> _addresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, BlockEntry>.AlternateLookup<ReadOnlySpan<char>> _domainsBySpan;

    /// <summary>Builds a snapshot. Values must already be normalized (domains: lower-case A-labels; IP: CIDR).</summary>
    public Blocklist(IEnumerable<BlockEntry> entries)
    {
        _domainsBySpan = _domains.GetAlternateLookup<ReadOnlySpan<char>>();
        var all = new List<BlockEntry>();
        foreach (var entry in entries)
        {
            all.Add(entry);
            switch (entry.Kind)
            {
                case BlockKind.Ip:
                    _networks.TryAdd(IPNetwork.Parse(entry.Value), entry, out _);
                    break;
                case BlockKind.Login:
                    _logins[entry.Value] = entry;
                    break;
                case BlockKind.Domain:
                    _domains[entry.Value] = entry;
                    break;
                default:
                    _addresses[entry.Value] = entry;
                    break;
            }
        }

        Entries = all;
    }

    public static Blocklist Empty { get; } = new([]);

    public IReadOnlyList<BlockEntry> Entries { get; }

    public bool IsEmpty => Entries.Count == 0;

    public BlockEntry? MatchIp(IPAddress address, DateTimeOffset now) => Active(_networks.Find(address), now);

    public BlockEntry? MatchLogin(string login, DateTimeOffset now) => Active(_logins.GetValueOrDefault(login), now);

    public BlockEntry? MatchAddress(string address, DateTimeOffset now) => Active(_addresses.GetValueOrDefault(address), now);

    /// <summary>The entry for the domain or its nearest blocked parent.</summary>
    public BlockEntry? MatchDomain(ReadOnlySpan<char> domain, DateTimeOffset now)
    {
        if (_domains.Count == 0)
        {
            return null;
        }

        var name = domain;
        while (true)
        {
            if (_domainsBySpan.TryGetValue(name, out var entry) && entry.IsActive(now))
            {
                return entry;
            }

            int dot = name.IndexOf('.');
            if (dot < 0)
            {
                return null;
            }

            name = name[(dot + 1)..];
        }
    }

    private static BlockEntry? Active(BlockEntry? entry, DateTimeOffset now) => entry is not null && entry.IsActive(now) ? entry : null;
}
