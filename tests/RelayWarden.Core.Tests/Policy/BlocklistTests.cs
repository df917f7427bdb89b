using System.Net;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Tests.Policy;

public class BlocklistTests
{
    private static readonly DateTimeOffset s_now = new(2025, 4, 21, 3, 14, 7, TimeSpan.Zero);

    private static readonly Blocklist s_list = new(
    [
        new BlockEntry(BlockKind.Ip, "192.0.2.0/24", null),
        new BlockEntry(BlockKind.Login, "Bad@Acme.example", null),
        new BlockEntry(BlockKind.Domain, "spam.example", null),
        new BlockEntry(BlockKind.Domain, "old.example", s_now),
        new BlockEntry(BlockKind.Address, "Mallory@acme.example", s_now.AddSeconds(1)),
    ]);

    [Fact]
    public void Networks_logins_and_addresses_match_as_configured()
    {
        Assert.NotNull(s_list.MatchIp(IPAddress.Parse("192.0.2.200"), s_now));
        Assert.NotNull(s_list.MatchIp(IPAddress.Parse("::ffff:192.0.2.1"), s_now));
        Assert.Null(s_list.MatchIp(IPAddress.Parse("192.0.3.1"), s_now));
        Assert.NotNull(s_list.MatchLogin("bad@acme.EXAMPLE", s_now));
        Assert.NotNull(s_list.MatchAddress("mallory@ACME.example", s_now));
        Assert.Null(s_list.MatchAddress("alice@acme.example", s_now));
    }

    [Fact]
    public void A_domain_entry_covers_its_subdomains_only()
    {
        Assert.NotNull(s_list.MatchDomain("spam.example", s_now));
        Assert.NotNull(s_list.MatchDomain("a.b.spam.example", s_now));
        Assert.Null(s_list.MatchDomain("notspam.example", s_now));
        Assert.Null(s_list.MatchDomain("example", s_now));
    }

    [Fact]
    public void An_entry_expires_at_its_time()
    {
        Assert.Null(s_list.MatchDomain("old.example", s_now));
        Assert.NotNull(s_list.MatchDomain("old.example", s_now.AddTicks(-1)));
        Assert.NotNull(s_list.MatchAddress("mallory@acme.example", s_now));
        Assert.Null(s_list.MatchAddress("mallory@acme.example", s_now.AddSeconds(1)));
    }

    [Fact]
    public void The_empty_blocklist_matches_nothing()
    {
        Assert.True(Blocklist.Empty.IsEmpty);
        Assert.Null(Blocklist.Empty.MatchDomain("spam.example", s_now));
    }
}
