using System.Net;
using System.Text;
using RelayWarden.Core.Control;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Control;
using RelayWarden.Smtp;
using RelayWarden.TestSupport;

namespace RelayWarden.Hosting.Tests.Control;

/// <summary>
/// Domain claims end to end against a real DNS server (a private dnsmasq): the claim, the engine's
/// refusal while it is pending, the TXT record, the verification, the override, the audit trail.
/// </summary>
public sealed class DomainClaimDnsTests : IAsyncLifetime
{
    private const string Zone = "claims.test";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-claims-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly ConcurrentStringWriter _log = new();
    private DnsmasqServer _dns = null!;
    private IControlStore _store = null!;
    private EngineSource _engines = null!;
    private DirectoryAdmin _admin = null!;

    public Task InitializeAsync()
    {
        _dns = DnsmasqServer.Start([Zone]);
        string yaml = $"""
            data_dir: {_folder}
            tenants:
              - id: acme
                domains: [acme.example]
                networks: [192.0.2.0/24]
              - id: globex
                domains: [globex.{Zone}]
                networks: [198.51.100.0/24]
            domain_claims:
              dns_servers: ["{_dns.Address}"]
              dns_timeout: 2s
            """;
        var config = ConfigLoader.Load(yaml, Path.Combine(_folder, "relaywarden.yaml"));
        _store = ControlStores.Open(config);
        _engines = new EngineSource(config, config.Policy, _store, TimeProvider.System, new RelayLog(_log, TimeProvider.System));
        _admin = new DirectoryAdmin(config, _store, new DomainTxtVerifier(config.DomainClaims), TimeProvider.System, () => _engines.Refresh());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _engines.DisposeAsync();
        _store.Dispose();
        _dns.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Mail from <paramref name="clientIp"/> with envelope and From at <paramref name="domain"/>, judged by the current engine.</summary>
    private Verdict Send(string domain, string clientIp = "192.0.2.10") => _engines.Current.Evaluate(new Submission
    {
        ClientIp = IPAddress.Parse(clientIp),
        MailFrom = $"<news@{domain}>",
        Recipients = ["<bob@customer.example>"],
        Message = Encoding.UTF8.GetBytes($"From: news@{domain}\r\nTo: bob@customer.example\r\nSubject: x\r\n\r\nbody\r\n"),
    }, SubmissionStage.Data);

    [Fact]
    public async Task A_claim_relays_mail_only_once_its_TXT_record_is_published_and_verified()
    {
        string domain = $"new.{Zone}";
        var claim = _admin.Claim("acme", "New." + Zone + ".", "ops").Value!;
        Assert.Equal((domain, "acme", ClaimState.Pending), (claim.Domain, claim.Tenant, claim.State));
        Assert.Matches("^[0-9a-f]{32}$", claim.Token);
        Assert.Equal($"_relaywarden.{domain}", _admin.RecordName(claim));

        var pending = Send(domain);
        Assert.Equal(VerdictAction.Reject, pending.Action);
        Assert.True(pending.Has(RuleIds.EnvelopeExternal));
        Assert.True(pending.Has(RuleIds.FromExternal));

        var missing = (await _admin.VerifyAsync(domain, "ops", CancellationToken.None)).Value!;
        Assert.Equal(ClaimState.Failed, missing.State);
        Assert.Contains($"no TXT record at _relaywarden.{domain} (NXDOMAIN)", missing.CheckResult, StringComparison.Ordinal);
        Assert.Equal(VerdictAction.Reject, Send(domain).Action);

        _dns.Publish(($"_relaywarden.{domain}", DirectoryAdmin.RecordValue(claim)));
        var verified = (await _admin.VerifyAsync(domain, "ops", CancellationToken.None)).Value!;
        Assert.Equal(ClaimState.Verified, verified.State);
        Assert.Equal($"TXT _relaywarden.{domain} holds \"relaywarden-verify={claim.Token}\"", verified.CheckResult);

        var relayed = Send(domain);
        Assert.Equal(VerdictAction.Relay, relayed.Action);
        Assert.Equal("acme", relayed.Tenant);
        Assert.Equal(VerdictAction.Relay, Send("mail." + domain).Action);

        // Another tenant sending as the verified domain is refused as spoofing.
        Assert.True(Send(domain, "198.51.100.7").Has(RuleIds.EnvelopeOtherTenant));

        var history = _store.History($"domain:{domain}", 10);
        Assert.Equal(["domain.verify", "domain.verify-failed", "domain.claim"], history.Select(h => h.Action));
        Assert.All(history, h => Assert.Equal("ops", h.By));
    }

    [Fact]
    public async Task A_record_with_the_wrong_token_fails_the_claim_with_what_was_found()
    {
        string domain = $"wrong.{Zone}";
        _dns.Publish(($"_relaywarden.{domain}", "relaywarden-verify=0123456789abcdef"), ($"_relaywarden.{domain}", "v=spf1 -all"));
        _admin.Claim("acme", domain, "ops");

        var failed = (await _admin.VerifyAsync(domain, "ops", CancellationToken.None)).Value!;

        Assert.Equal(ClaimState.Failed, failed.State);
        Assert.Contains("does not hold", failed.CheckResult, StringComparison.Ordinal);
        Assert.Contains("\"relaywarden-verify=0123456789abcdef\"", failed.CheckResult, StringComparison.Ordinal);
        Assert.Equal(VerdictAction.Reject, Send(domain).Action);
        Assert.Equal(failed.CheckResult, _store.History($"domain:{domain}", 1)[0].Why);
    }

    [Fact]
    public async Task A_DNS_failure_concludes_nothing_and_the_claim_stays_pending()
    {
        _dns.Dispose(); // Nobody answers: a timeout.
        string domain = $"down.{Zone}";
        _admin.Claim("acme", domain, "ops");

        var claim = (await _admin.VerifyAsync(domain, "ops", CancellationToken.None)).Value!;

        Assert.Equal(ClaimState.Pending, claim.State);
        Assert.StartsWith($"DNS error looking up TXT _relaywarden.{domain}", claim.CheckResult, StringComparison.Ordinal);
        Assert.Equal("domain.verify-error", _store.History($"domain:{domain}", 1)[0].Action);
        Assert.Equal(VerdictAction.Reject, Send(domain).Action);
    }

    [Fact]
    public async Task An_override_with_a_reason_relays_and_is_audited()
    {
        string domain = $"override.{Zone}";
        _admin.Claim("acme", domain, "ops");

        var noReason = _admin.Override(domain, "carol", "  ");
        Assert.Equal((AdminFailure.Invalid, "an override needs a reason"), (noReason.Failure, noReason.Error));
        Assert.Equal(VerdictAction.Reject, Send(domain).Action);

        var overridden = _admin.Override(domain, "carol", "registrar outage, contract checked by phone").Value!;
        Assert.Equal((ClaimState.Overridden, "carol", "registrar outage, contract checked by phone"), (overridden.State, overridden.OverrideBy, overridden.OverrideWhy));
        Assert.Equal(VerdictAction.Relay, Send(domain).Action);
        var audit = _store.History($"domain:{domain}", 1)[0];
        Assert.Equal(("domain.override", "carol", "registrar outage, contract checked by phone"), (audit.Action, audit.By, audit.Why));

        Assert.Equal(AdminFailure.Conflict, _admin.Override(domain, "carol", "again").Failure);
        var verifyAgain = await _admin.VerifyAsync(domain, "ops", CancellationToken.None);
        Assert.Equal(ClaimState.Overridden, verifyAgain.Value!.State);

        Assert.True(_admin.Unclaim(domain, "carol", "customer left").Ok);
        Assert.Equal(VerdictAction.Reject, Send(domain).Action);
    }

    [Fact]
    public void Conflicting_or_malformed_claims_are_refused_with_a_clear_error()
    {
        Assert.True(_admin.Claim("globex", $"taken.{Zone}", "ops").Ok);

        (AdminFailure, string?) Refusal(string tenant, string domain)
        {
            var result = _admin.Claim(tenant, domain, "ops");
            Assert.False(result.Ok);
            return (result.Failure, result.Error);
        }

        Assert.Equal((AdminFailure.Conflict, $"globex.{Zone} is already owned by tenant 'globex'"), Refusal("acme", $"globex.{Zone}"));
        Assert.Equal((AdminFailure.Conflict, $"eu.globex.{Zone} is already owned by tenant 'globex' through globex.{Zone}"), Refusal("acme", $"eu.globex.{Zone}"));
        Assert.Equal((AdminFailure.Conflict, $"taken.{Zone} is already claimed by tenant 'globex' (pending)"), Refusal("acme", $"taken.{Zone}"));
        Assert.Equal((AdminFailure.Conflict, "tenant 'acme' already owns acme.example"), Refusal("acme", "acme.example"));
        Assert.Equal((AdminFailure.NotFound, "tenant 'nobody' does not exist"), Refusal("nobody", $"free.{Zone}"));
        Assert.Equal(AdminFailure.Invalid, Refusal("acme", "not a domain").Item1);
        Assert.Equal((AdminFailure.Invalid, "'test' is not a valid domain (single-label name)"), Refusal("acme", "test"));
        Assert.Equal(["domain.claim"], _store.History(null, 10).Select(h => h.Action));
    }

    [Fact]
    public async Task The_periodic_recheck_verifies_a_claim_once_its_record_appears()
    {
        string domain = $"later.{Zone}";
        var claim = _admin.Claim("acme", domain, "ops").Value!;
        Assert.Equal(0, await _admin.RecheckAsync(CancellationToken.None));
        Assert.Equal(0, await _admin.RecheckAsync(CancellationToken.None));
        Assert.Equal(ClaimState.Failed, _store.FindDomainClaim(domain)!.State);

        _dns.Publish(($"_relaywarden.{domain}", "relaywarden-verify=" + claim.Token.ToUpperInvariant()));
        Assert.Equal(1, await _admin.RecheckAsync(CancellationToken.None));
        Assert.Equal(VerdictAction.Relay, Send(domain).Action);

        // The host's own checks are audited only when the state changes.
        var history = _store.History($"domain:{domain}", 10);
        Assert.Equal(["domain.verify", "domain.verify-failed", "domain.claim"], history.Select(h => h.Action));
        Assert.Equal(DirectoryAdmin.SystemActor, history[0].By);
    }

    [Fact]
    public void Stored_tenants_and_networks_send_through_the_engine()
    {
        Assert.True(_admin.AddTenant("initech", "Initech", "ops").Ok);
        Assert.Equal(AdminFailure.Conflict, _admin.AddTenant("acme", null, "ops").Failure);
        Assert.Equal(AdminFailure.Conflict, _admin.AddTenant("initech", null, "ops").Failure);
        Assert.Equal(AdminFailure.Invalid, _admin.AddTenant("Not An Id", null, "ops").Failure);

        Assert.True(_admin.Override(_admin.Claim("initech", $"initech.{Zone}", "ops").Value!.Domain, "ops", "migrated from the old relay").Ok);
        Assert.Equal(VerdictAction.Reject, Send($"initech.{Zone}", "203.0.113.5").Action);

        Assert.Equal("203.0.113.0/24", _admin.AddNetwork("initech", "203.0.113.0/24", "ops", "office").Value!.Network);
        Assert.Equal((AdminFailure.Conflict, "network 192.0.2.0/24 already belongs to tenant 'acme'"),
            (_admin.AddNetwork("initech", "192.0.2.0/24", "ops", null).Failure, _admin.AddNetwork("initech", "192.0.2.0/24", "ops", null).Error));
        Assert.Equal(AdminFailure.Invalid, _admin.AddNetwork("initech", "203.0.113.1/24", "ops", null).Failure);
        Assert.Equal(AdminFailure.NotFound, _admin.AddNetwork("nobody", "203.0.114.0/24", "ops", null).Failure);

        var relayed = Send($"initech.{Zone}", "203.0.113.5");
        Assert.Equal(VerdictAction.Relay, relayed.Action);
        Assert.Equal("initech", relayed.Tenant);

        Assert.Equal(AdminFailure.NotFound, _admin.RemoveNetwork("192.0.2.0/24", "ops", null).Failure);
        Assert.True(_admin.RemoveNetwork("203.0.113.0/24", "ops", "closed").Ok);
        Assert.True(Send($"initech.{Zone}", "203.0.113.5").Has(RuleIds.RelayDenied));
    }
}
