using System.Net;
using System.Text;
using RelayWarden.Core.Control;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Tests.Directory;

/// <summary>The operators' overlay merged into the configured directory: only verified or overridden claims give a domain.</summary>
public class DirectoryOverlayTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 22, 23, 0, 0, TimeSpan.Zero);

    private static TenantDirectory Configured()
    {
        var directory = TenantDirectory.Build(
        [
            new Tenant { Id = "acme", Domains = [new DomainClaim("acme.example")], Networks = [IPNetwork.Parse("192.0.2.0/24")], Users = [new TenantUser("alice", null)] },
            new Tenant { Id = "globex", Domains = [new DomainClaim("globex.example")] },
        ], out var errors);
        Assert.Empty(errors);
        return directory;
    }

    private static StoredDomainClaim Claim(string domain, string tenant, ClaimState state) => new(domain, tenant, "t0k3n", state, s_now, "ops");

    private static TenantDirectory Apply(TenantDirectory configured, StoredTenant[]? tenants, StoredDomainClaim[]? claims, StoredNetwork[]? networks, out IReadOnlyList<DirectoryError> skipped) =>
        DirectoryOverlay.Apply(configured, tenants ?? [], claims ?? [], networks ?? [], out skipped);

    [Fact]
    public void Without_a_granting_overlay_entry_the_configured_directory_is_used_as_it_is()
    {
        var configured = Configured();
        var effective = Apply(configured, null, [Claim("new.example", "acme", ClaimState.Pending), Claim("other.example", "acme", ClaimState.Failed)], null, out var skipped);
        Assert.Same(configured, effective);
        Assert.Empty(skipped);
        Assert.Null(effective.FindOwner("new.example"));
    }

    [Theory]
    [InlineData(ClaimState.Pending, null)]
    [InlineData(ClaimState.Failed, null)]
    [InlineData(ClaimState.Verified, "acme")]
    [InlineData(ClaimState.Overridden, "acme")]
    public void Only_verified_or_overridden_claims_give_the_domain_and_its_subdomains(ClaimState state, string? owner)
    {
        var effective = Apply(Configured(), null, [Claim("new.example", "acme", state)], [new StoredNetwork("198.51.100.0/24", "globex", s_now, "ops", null)], out var skipped);
        Assert.Empty(skipped);
        Assert.Equal(owner, effective.FindOwner("new.example")?.Tenant.Id);
        Assert.Equal(owner, effective.FindOwner("mail.new.example")?.Tenant.Id);
        Assert.Equal("acme", effective.FindOwner("acme.example")?.Tenant.Id);
    }

    [Fact]
    public void Stored_tenants_and_networks_join_and_configured_logins_keep_their_tenant()
    {
        var effective = Apply(Configured(), [new StoredTenant("initech", "Initech", s_now, "ops")],
            [Claim("initech.example", "initech", ClaimState.Verified)],
            [new StoredNetwork("203.0.113.0/24", "initech", s_now, "ops", null), new StoredNetwork("2001:db8::/48", "acme", s_now, "ops", "v6")], out var skipped);

        Assert.Empty(skipped);
        Assert.Equal(["acme", "globex", "initech"], effective.Tenants.Select(t => t.Id));
        Assert.Equal("Initech", effective.FindTenant("initech")!.Name);
        Assert.Equal("initech", effective.FindOwner("initech.example")?.Tenant.Id);
        Assert.Equal("initech", effective.FindNetwork(IPAddress.Parse("203.0.113.9"))?.Id);
        Assert.Equal("acme", effective.FindNetwork(IPAddress.Parse("2001:db8::25"))?.Id);
        Assert.Equal("acme", effective.FindNetwork(IPAddress.Parse("192.0.2.1"))?.Id);
        Assert.Same(effective.FindTenant("acme"), effective.FindLogin("alice")!.Tenant);
    }

    [Fact]
    public void The_configuration_wins_every_conflict_and_each_skipped_entry_is_reported()
    {
        var effective = Apply(Configured(), [new StoredTenant("acme", "Impostor", s_now, "ops")],
            [Claim("globex.example", "acme", ClaimState.Overridden), Claim("x.example", "nobody", ClaimState.Verified)],
            [new StoredNetwork("192.0.2.0/24", "globex", s_now, "ops", null), new StoredNetwork("not-a-cidr", "acme", s_now, "ops", null)], out var skipped);

        Assert.Equal("globex", effective.FindOwner("globex.example")?.Tenant.Id);
        Assert.Null(effective.FindOwner("x.example"));
        Assert.Equal("acme", effective.FindNetwork(IPAddress.Parse("192.0.2.7"))?.Id);
        Assert.Null(effective.FindTenant("acme")!.Name);
        Assert.Equal(5, skipped.Count);
        Assert.Contains(skipped, s => s.Message.Contains("owned by tenant 'globex' in the configuration", StringComparison.Ordinal));
        Assert.Contains(skipped, s => s.Message.Contains("tenant 'nobody' does not exist", StringComparison.Ordinal));
        Assert.Contains(skipped, s => s.Message.Contains("belongs to tenant 'acme' in the configuration", StringComparison.Ordinal));
    }

    [Fact]
    public void A_claim_conflicts_with_an_owner_of_the_name_or_of_a_parent_and_with_another_claim()
    {
        var configured = Configured();
        StoredDomainClaim[] claims = [Claim("pending.example", "globex", ClaimState.Pending)];

        Assert.Null(DirectoryOverlay.ClaimConflict(configured, claims, "acme", "free.example"));
        Assert.Equal("tenant 'nobody' does not exist", DirectoryOverlay.ClaimConflict(configured, claims, "nobody", "free.example"));
        Assert.Equal("globex.example is already owned by tenant 'globex'", DirectoryOverlay.ClaimConflict(configured, claims, "acme", "globex.example"));
        Assert.Equal("mail.globex.example is already owned by tenant 'globex' through globex.example", DirectoryOverlay.ClaimConflict(configured, claims, "acme", "mail.globex.example"));
        Assert.Equal("tenant 'acme' already owns acme.example", DirectoryOverlay.ClaimConflict(configured, claims, "acme", "acme.example"));
        Assert.Equal("pending.example is already claimed by tenant 'globex' (pending)", DirectoryOverlay.ClaimConflict(configured, claims, "acme", "pending.example"));
        Assert.Equal("network 192.0.2.0/24 already belongs to tenant 'acme'", DirectoryOverlay.NetworkConflict(configured, "globex", IPNetwork.Parse("192.0.2.0/24")));
        Assert.Null(DirectoryOverlay.NetworkConflict(configured, "globex", IPNetwork.Parse("192.0.2.0/25")));
    }

    [Fact]
    public void Mail_from_a_pending_domain_is_refused_as_from_an_unknown_domain_and_relayed_once_verified()
    {
        var submission = new Submission
        {
            ClientIp = IPAddress.Parse("192.0.2.10"),
            MailFrom = "<news@new.example>",
            Recipients = ["<bob@customer.example>"],
            Message = Encoding.UTF8.GetBytes("From: news@new.example\r\nTo: bob@customer.example\r\nSubject: x\r\n\r\nbody\r\n"),
        };
        Verdict Judge(ClaimState state) => new SenderAuthorization(Apply(Configured(), null, [Claim("new.example", "acme", state)], null, out _),
            Blocklist.Empty, PolicyOptions.Default, TimeProvider.System).Evaluate(submission, SubmissionStage.Data);
        var unknown = new SenderAuthorization(Configured(), Blocklist.Empty, PolicyOptions.Default, TimeProvider.System).Evaluate(submission, SubmissionStage.Data);

        var pending = Judge(ClaimState.Pending);
        Assert.Equal(VerdictAction.Reject, pending.Action);
        Assert.Equal(unknown.Reasons.Select(r => r.Rule), pending.Reasons.Select(r => r.Rule));
        Assert.True(pending.Has(RuleIds.EnvelopeExternal));
        Assert.Equal(VerdictAction.Relay, Judge(ClaimState.Verified).Action);
    }
}
