using RelayWarden.Core.Control;

namespace RelayWarden.Storage.Sqlite.Tests;

/// <summary>The directory overlay in the control store: tenants, domain claims and networks, each change audited and counted.</summary>
public sealed class SqliteDirectoryOverlayTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 22, 23, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-overlay-" + Guid.NewGuid().ToString("N")[..12]);

    private string DbPath => Path.Combine(_folder, "control.db");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Tenants_and_networks_round_trip_once_each_with_audit_rows()
    {
        using var store = SqliteControlStore.Open(DbPath);
        long before = store.ChangeCounter();
        Assert.True(store.AddTenant(new StoredTenant("initech", "Initech", s_now, "ops")));
        Assert.False(store.AddTenant(new StoredTenant("initech", "Again", s_now, "ops")));
        Assert.True(store.AddNetwork(new StoredNetwork("203.0.113.0/24", "initech", s_now, "ops", "office")));
        Assert.False(store.AddNetwork(new StoredNetwork("203.0.113.0/24", "acme", s_now, "ops", null)));
        Assert.Equal(before + 2, store.ChangeCounter());

        Assert.Equal(new StoredTenant("initech", "Initech", s_now, "ops"), Assert.Single(store.StoredTenants()));
        Assert.Equal(new StoredNetwork("203.0.113.0/24", "initech", s_now, "ops", "office"), Assert.Single(store.StoredNetworks()));
        Assert.True(store.RemoveNetwork("203.0.113.0/24", "bob", s_now.AddMinutes(1), "moved"));
        Assert.False(store.RemoveNetwork("203.0.113.0/24", "bob", s_now.AddMinutes(1), null));
        Assert.Empty(store.StoredNetworks());

        Assert.Equal("tenant.add", Assert.Single(store.History("tenant:initech", 10)).Action);
        var network = store.History("network:203.0.113.0/24", 10);
        Assert.Equal(["network.remove", "network.add"], network.Select(h => h.Action));
        Assert.Equal(("bob", "moved"), (network[0].By, network[0].Why));
        Assert.Equal("for tenant 'initech': office", network[1].Why);
    }

    [Fact]
    public void A_claim_moves_from_pending_to_failed_to_verified_and_a_recheck_that_changes_nothing_is_neither_counted_nor_audited()
    {
        using var store = SqliteControlStore.Open(DbPath);
        Assert.True(store.AddDomainClaim(new StoredDomainClaim("new.example", "acme", "abc", ClaimState.Pending, s_now, "ops")));
        Assert.False(store.AddDomainClaim(new StoredDomainClaim("new.example", "globex", "def", ClaimState.Pending, s_now, "ops")));

        Assert.True(store.RecordDomainCheck("new.example", "abc", ClaimState.Failed, s_now.AddMinutes(1), "no TXT record", "ops", "domain.verify-failed", audit: true));
        long counter = store.ChangeCounter();
        Assert.True(store.RecordDomainCheck("new.example", "abc", ClaimState.Failed, s_now.AddMinutes(2), "still none", "relaywarden", "domain.verify-failed", audit: false));
        Assert.Equal(counter, store.ChangeCounter());
        Assert.False(store.RecordDomainCheck("new.example", "other-token", ClaimState.Verified, s_now.AddMinutes(3), "found", "ops", "domain.verify", audit: true));

        var failed = store.FindDomainClaim("new.example")!;
        Assert.Equal((ClaimState.Failed, s_now.AddMinutes(2), "still none"), (failed.State, failed.CheckedAt, failed.CheckResult));

        Assert.True(store.RecordDomainCheck("new.example", "abc", ClaimState.Verified, s_now.AddMinutes(4), "found", "relaywarden", "domain.verify", audit: false));
        Assert.Equal(counter + 1, store.ChangeCounter());
        var verified = store.FindDomainClaim("new.example")!;
        Assert.Equal((ClaimState.Verified, s_now.AddMinutes(4)), (verified.State, verified.DecidedAt));
        Assert.False(store.RecordDomainCheck("new.example", "abc", ClaimState.Failed, s_now.AddMinutes(5), "gone", "relaywarden", "domain.verify-failed", audit: false));
        Assert.False(store.OverrideDomainClaim("new.example", "ops", s_now, "no need"));

        Assert.Equal(["domain.verify", "domain.verify-failed", "domain.claim"], store.History("domain:new.example", 10).Select(h => h.Action));
    }

    [Fact]
    public void An_override_records_who_and_why_and_a_withdrawn_claim_can_be_claimed_again()
    {
        using var store = SqliteControlStore.Open(DbPath);
        Assert.True(store.AddDomainClaim(new StoredDomainClaim("new.example", "acme", "abc", ClaimState.Pending, s_now, "ops")));
        Assert.True(store.OverrideDomainClaim("new.example", "carol", s_now.AddMinutes(1), "DNS provider outage; contract signed"));
        var claim = Assert.Single(store.DomainClaims());
        Assert.Equal((ClaimState.Overridden, "carol", "DNS provider outage; contract signed", s_now.AddMinutes(1)), (claim.State, claim.OverrideBy, claim.OverrideWhy, claim.DecidedAt));
        Assert.True(claim.Grants);

        Assert.True(store.RemoveDomainClaim("new.example", "carol", s_now.AddMinutes(2), "customer left"));
        Assert.False(store.RemoveDomainClaim("new.example", "carol", s_now.AddMinutes(2), null));
        Assert.True(store.AddDomainClaim(new StoredDomainClaim("new.example", "globex", "def", ClaimState.Pending, s_now, "ops")));
        var history = store.History("domain:new.example", 10);
        Assert.Equal(["domain.claim", "domain.unclaim", "domain.override", "domain.claim"], history.Select(h => h.Action));
        Assert.Equal(("carol", "DNS provider outage; contract signed"), (history[2].By, history[2].Why));

        // Another connection (the CLI) sees the claims.
        using var other = SqliteControlStore.Open(DbPath);
        Assert.Equal("globex", other.FindDomainClaim("new.example")!.Tenant);
    }
}
