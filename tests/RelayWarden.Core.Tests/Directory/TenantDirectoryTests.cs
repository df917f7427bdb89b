using System.Net;
using RelayWarden.Core.Directory;

namespace RelayWarden.Core.Tests.Directory;

public class TenantDirectoryTests
{
    private static TenantDirectory Build(params Tenant[] tenants)
    {
        var directory = TenantDirectory.Build(tenants, out var errors);
        Assert.Empty(errors);
        return directory;
    }

    [Fact]
    public void The_nearest_claimed_parent_owns_a_name()
    {
        var directory = Build(
            new Tenant { Id = "parent", Domains = [new DomainClaim("example.com")] },
            new Tenant { Id = "child", Domains = [new DomainClaim("shop.example.com")] },
            new Tenant { Id = "exact", Domains = [new DomainClaim("only.example.com", Subdomains: false)] });

        Assert.Equal("parent", directory.FindOwner("example.com")?.Tenant.Id);
        Assert.Equal("parent", directory.FindOwner("mail.example.com")?.Tenant.Id);
        Assert.Equal("child", directory.FindOwner("shop.example.com")?.Tenant.Id);
        Assert.Equal("child", directory.FindOwner("eu.shop.example.com")?.Tenant.Id);
        Assert.Equal("exact", directory.FindOwner("only.example.com")?.Tenant.Id);
        Assert.Equal("parent", directory.FindOwner("x.only.example.com")?.Tenant.Id);
        Assert.Null(directory.FindOwner("example.org"));
        Assert.Null(directory.FindOwner("notexample.com"));
        Assert.Null(directory.FindOwner("com"));
    }

    [Fact]
    public void The_longest_network_prefix_names_the_tenant()
    {
        var directory = Build(
            new Tenant { Id = "wide", Networks = [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("2001:db8::/32")] },
            new Tenant { Id = "narrow", Networks = [IPNetwork.Parse("10.1.2.0/24"), IPNetwork.Parse("2001:db8:1::/48")] },
            new Tenant { Id = "host", Networks = [IPNetwork.Parse("10.1.2.3/32")] });

        Assert.Equal("wide", directory.FindNetwork(IPAddress.Parse("10.9.9.9"))?.Id);
        Assert.Equal("narrow", directory.FindNetwork(IPAddress.Parse("10.1.2.4"))?.Id);
        Assert.Equal("host", directory.FindNetwork(IPAddress.Parse("10.1.2.3"))?.Id);
        Assert.Equal("host", directory.FindNetwork(IPAddress.Parse("::ffff:10.1.2.3"))?.Id);
        Assert.Equal("narrow", directory.FindNetwork(IPAddress.Parse("2001:db8:1::9"))?.Id);
        Assert.Equal("wide", directory.FindNetwork(IPAddress.Parse("2001:db8:2::9"))?.Id);
        Assert.Null(directory.FindNetwork(IPAddress.Parse("11.0.0.1")));
        Assert.Null(directory.FindNetwork(IPAddress.Parse("2001:db9::1")));
    }

    [Fact]
    public void A_default_route_matches_everything_of_its_family_only()
    {
        var directory = Build(new Tenant { Id = "all4", Networks = [IPNetwork.Parse("0.0.0.0/0")] });
        Assert.Equal("all4", directory.FindNetwork(IPAddress.Parse("203.0.113.1"))?.Id);
        Assert.Null(directory.FindNetwork(IPAddress.Parse("2001:db8::1")));
    }

    [Fact]
    public void Logins_are_found_without_regard_to_case_and_know_their_tenant()
    {
        var directory = Build(new Tenant { Id = "acme", Users = [new TenantUser("Alice@Acme.example", null)] });
        Assert.Equal("acme", directory.FindLogin("alice@acme.EXAMPLE")?.Tenant.Id);
        Assert.Null(directory.FindLogin("bob@acme.example"));
    }

    [Fact]
    public void Every_conflict_is_reported_with_its_place()
    {
        TenantDirectory.Build(
        [
            new Tenant { Id = "a", Domains = [new DomainClaim("x.example"), new DomainClaim("x.example")], Networks = [IPNetwork.Parse("10.0.0.0/8")], Users = [new TenantUser("u", null)] },
            new Tenant { Id = "b", Domains = [new DomainClaim("x.example")], Networks = [IPNetwork.Parse("10.0.0.0/8")], Users = [new TenantUser("U", null)] },
            new Tenant { Id = "a" },
        ], out var errors);

        Assert.Equal(
        [
            "tenants[a].domains: domain 'x.example' is listed twice",
            "tenants[b].domains: domain 'x.example' is already claimed by tenant 'a'",
            "tenants[b].networks: network 10.0.0.0/8 is already claimed by tenant 'a'",
            "tenants[b].users: login 'U' already belongs to tenant 'a'",
            "tenants[a].id: tenant id 'a' is used twice",
        ], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Trials_never_get_an_external_From_and_send_only_when_a_partner_opened_them()
    {
        var selfTrial = new Tenant { Id = "t", Kind = TenantKind.Trial, ExternalFrom = true };
        var partnerTrial = new Tenant { Id = "p", Kind = TenantKind.Trial, CreatedBy = TenantCreator.Partner, ExternalFrom = true };
        var paid = new Tenant { Id = "q" };
        var paidNo = new Tenant { Id = "r", ExternalFrom = false };

        Assert.False(selfTrial.MaySendOutbound);
        Assert.True(partnerTrial.MaySendOutbound);
        Assert.False(selfTrial.AllowsExternalFrom);
        Assert.False(partnerTrial.AllowsExternalFrom);
        Assert.True(paid.AllowsExternalFrom);
        Assert.False(paidNo.AllowsExternalFrom);
    }
}
