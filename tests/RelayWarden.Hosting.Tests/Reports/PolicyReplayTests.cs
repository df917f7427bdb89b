using System.Net;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Hosting.Reports;
using RelayWarden.Storage.Sqlite;

namespace RelayWarden.Hosting.Tests.Reports;

/// <summary>
/// Policy replay: records made under a lenient or an older policy, judged again by the engine with a
/// proposed one. The incident's records (accepted because the Sender was the trial's own) come back as
/// rejections; what a record cannot show is reported as not replayed, never as a change.
/// </summary>
public sealed class PolicyReplayTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 4, 21, 3, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-replay-" + Guid.NewGuid().ToString("N")[..12]);

    private static TenantDirectory Directory(bool partnerNetwork = false) => TenantDirectory.Build(
    [
        new Tenant { Id = "acme", Domains = [new DomainClaim("acme.example")], Networks = [IPNetwork.Parse("127.0.0.10/32")],
            Users = [new TenantUser("alice@acme.example", null)] },
        new Tenant { Id = "globex", Domains = [new DomainClaim("globex.example")], Networks = [IPNetwork.Parse("127.0.0.20/32")] },
        new Tenant
        {
            Id = "trial-7731", Kind = TenantKind.Trial, CreatedBy = TenantCreator.Partner, Domains = [new DomainClaim("trial-7731.example")],
            Networks = partnerNetwork ? [IPNetwork.Parse("127.0.0.66/32"), IPNetwork.Parse("127.0.0.77/32")] : [IPNetwork.Parse("127.0.0.66/32")],
        },
    ], out _);

    private static DecisionRecord Record(string id, int minute, VerdictAction action, string ip, string mailFrom, string? from, string? sender,
        string stage = "smtp.data", string? login = null, string reply = "250 2.0.0 Ok", params Reason[] reasons) => new()
    {
        Id = id,
        Time = T0.AddMinutes(minute),
        Stage = stage,
        ClientIp = ip,
        AuthLogin = login,
        MailFrom = mailFrom,
        From = from,
        Sender = sender,
        Recipients = ["<victim@customer.example>"],
        RecipientDomains = ["customer.example"],
        Action = action,
        Reply = reply,
        Reasons = reasons,
    };

    private static Reason Fail(string rule) => new(rule, ReasonOutcome.Fail, "recorded", Evidence.None);

    private static PolicyReplay Replay(TenantDirectory? directory = null, PolicyOptions? policy = null, params BlockEntry[] stored) =>
        new(directory ?? Directory(), Blocklist.Empty, stored, policy ?? PolicyOptions.Default);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (System.IO.Directory.Exists(_folder))
        {
            System.IO.Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public void The_incidents_accepted_messages_come_back_rejected_and_normal_mail_stays_relayed()
    {
        var replay = Replay();
        // Accepted by the old rule (the envelope or the Sender was the trial's own): MAIL FROM:<>, Sender trial, From globex.
        var spoof = replay.Replay(Record("s1", 1, VerdictAction.Relay, "127.0.0.66", "<>", "Globex Security <security@globex.example>", "noreply@trial-7731.example"));
        Assert.Equal(ReplayStatus.Changed, spoof.Status);
        Assert.Equal(VerdictAction.Reject, spoof.Proposed!.Action);
        Assert.True(spoof.Proposed.Has(RuleIds.OtherTenant(Mail.Headers.IdentityHeader.From)), string.Join(",", spoof.Proposed.Reasons.Select(r => r.Rule)));
        Assert.Equal("550", spoof.Proposed.Reply.ToString()[..3]);

        var normal = replay.Replay(Record("n1", 2, VerdictAction.Relay, "127.0.0.10", "<bob@acme.example>", "Bob <bob@acme.example>", null));
        Assert.Equal(ReplayStatus.Same, normal.Status);
        Assert.Equal("acme", normal.Proposed!.Tenant);

        // A refusal the proposed policy keeps is the same, with the reasons of today's engine.
        var refused = replay.Replay(Record("r1", 3, VerdictAction.Reject, "127.0.0.66", "<>", "security@globex.example", null, reply: "550 5.7.1 no",
            reasons: Fail("sender.from.other-tenant")));
        Assert.Equal(ReplayStatus.Same, refused.Status);
    }

    [Fact]
    public void A_rule_moved_from_monitor_to_reject_changes_exactly_the_messages_it_failed()
    {
        var enforce = Replay();
        var tryOut = Replay(policy: PolicyOptions.Default with { RuleActions = new Dictionary<string, RuleAction> { [RuleIds.EnvelopeExternal] = RuleAction.Monitor } });
        var external = Record("e1", 1, VerdictAction.Relay, "127.0.0.10", "<newsletter@mailer.example>", "Bob <bob@acme.example>", null,
            reasons: Fail(RuleIds.EnvelopeExternal));
        var own = Record("e2", 2, VerdictAction.Relay, "127.0.0.10", "<bob@acme.example>", "Bob <bob@acme.example>", null);

        Assert.Equal(ReplayStatus.Same, tryOut.Replay(external).Status);
        var enforced = enforce.Replay(external);
        Assert.Equal(ReplayStatus.Changed, enforced.Status);
        Assert.Equal(VerdictAction.Reject, enforced.Proposed!.Action);
        Assert.True(enforced.Proposed.Has(RuleIds.EnvelopeExternal));
        Assert.Equal(ReplayStatus.Same, enforce.Replay(own).Status);
    }

    [Fact]
    public void A_stored_block_applies_only_to_records_from_when_it_was_added()
    {
        var block = new BlockEntry(BlockKind.Ip, "127.0.0.10/32", null, "botnet", "oncall", T0.AddMinutes(10));
        var replay = Replay(stored: block);
        var before = replay.Replay(Record("b1", 5, VerdictAction.Relay, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null));
        var after = replay.Replay(Record("b2", 15, VerdictAction.Relay, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null));
        Assert.Equal(ReplayStatus.Same, before.Status);
        Assert.Equal(ReplayStatus.Changed, after.Status);
        Assert.True(after.Proposed!.Has(RuleIds.BlockedIp));

        // An expired block is judged at the record's time, not today's.
        var expiring = Replay(stored: new BlockEntry(BlockKind.Ip, "127.0.0.10/32", T0.AddMinutes(20), null, null, T0));
        Assert.Equal(ReplayStatus.Changed, expiring.Replay(Record("x1", 19, VerdictAction.Relay, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null)).Status);
        Assert.Equal(ReplayStatus.Same, expiring.Replay(Record("x2", 21, VerdictAction.Relay, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null)).Status);
    }

    [Fact]
    public void Envelope_stages_are_judged_as_the_door_judged_them()
    {
        // RCPT refused as relay denied from an unknown address; the proposed directory adds it to the trial's networks.
        var denied = Record("d1", 1, VerdictAction.Reject, "127.0.0.77", "<ops@trial-7731.example>", null, null, stage: "smtp.rcpt",
            reply: "554 5.7.1 Relay access denied", reasons: Fail(RuleIds.RelayDenied));
        Assert.Equal(ReplayStatus.Same, Replay().Replay(denied).Status);
        var opened = Replay(Directory(partnerNetwork: true)).Replay(denied);
        Assert.Equal(ReplayStatus.Changed, opened.Status);
        Assert.Equal(VerdictAction.Relay, opened.Proposed!.Action);

        // MAIL refused for another tenant's envelope sender stays refused; a login that no longer exists is refused at MAIL.
        var other = Record("m1", 2, VerdictAction.Reject, "127.0.0.10", "<ceo@globex.example>", null, null, stage: "smtp.mail",
            reply: "550 5.7.1 no", reasons: Fail(RuleIds.EnvelopeOtherTenant));
        Assert.Equal(ReplayStatus.Same, Replay().Replay(other).Status);
        var login = Record("m2", 3, VerdictAction.Relay, "127.0.0.99", "<carol@acme.example>", null, null, stage: "smtp.mail", login: "carol@acme.example");
        var gone = Replay().Replay(login);
        Assert.Equal(ReplayStatus.Changed, gone.Status);
        Assert.True(gone.Proposed!.Has(RuleIds.LoginUnknown));
    }

    [Theory]
    [InlineData(RuleIds.LoginSuspended, "suspended")]
    [InlineData("sender.from.duplicate", "structure")]
    [InlineData("sender.resent-from.other-tenant", "structure")]
    [InlineData(RuleIds.HeaderMalformed, "structure")]
    [InlineData(RuleIds.RecipientLimit, "recipient count")]
    public void A_decision_the_record_cannot_reproduce_is_not_replayed(string rule, string why)
    {
        var record = Record("u1", 1, VerdictAction.Reject, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null, reply: "550 5.7.1 no", reasons: Fail(rule));
        var outcome = Replay().Replay(record);
        Assert.Equal(ReplayStatus.NotReplayed, outcome.Status);
        Assert.Null(outcome.Proposed);
        Assert.Contains(why, outcome.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void A_monitor_decision_is_judged_only_when_the_proposed_policy_refuses_the_message_itself()
    {
        var replay = Replay();
        var held = Record("h1", 1, VerdictAction.Hold, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null, reasons: Fail("monitor.rcpt-domains.burst"));
        var outcome = replay.Replay(held);
        Assert.Equal(ReplayStatus.NotReplayed, outcome.Status);
        Assert.Contains("behavior monitor (monitor.rcpt-domains.burst)", outcome.Why, StringComparison.Ordinal);

        // The incident's message, held by the monitor then: the proposed policy rejects it before the monitor is asked.
        var spoof = Record("h2", 2, VerdictAction.Hold, "127.0.0.66", "<>", "security@globex.example", "noreply@trial-7731.example",
            reasons: Fail("monitor.new-account.volume"));
        var rejected = replay.Replay(spoof);
        Assert.Equal(ReplayStatus.Changed, rejected.Status);
        Assert.Equal(VerdictAction.Reject, rejected.Proposed!.Action);

        // A monitor deferral is a decision, not a protocol error: still not replayed while the policy lets the message through.
        var deferred = Record("h3", 3, VerdictAction.Defer, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null, reply: "451 4.7.1 Try again later",
            reasons: Fail("monitor.new-account.volume"));
        Assert.Contains("behavior monitor", replay.Replay(deferred).Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Protocol_errors_spool_failures_cut_values_and_resent_forwarding_are_not_replayed()
    {
        var replay = Replay();
        var protocol = Record("p1", 1, VerdictAction.Reject, "127.0.0.10", "<bob@acme.example>", null, null, reply: "552 5.3.4 Message too big");
        Assert.Contains("not a policy decision", replay.Replay(protocol).Why, StringComparison.Ordinal);

        var spool = Record("p2", 2, VerdictAction.Defer, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null,
            reply: "451 4.3.0 Temporary local problem, try again later", reasons: Fail(RuleIds.EnvelopeExternal));
        Assert.Contains("local failure", replay.Replay(spool).Why, StringComparison.Ordinal);

        var cut = Record("p3", 3, VerdictAction.Relay, "127.0.0.10", "<bob@acme.example>", new string('a', PolicyReplay.RecordedFieldLimit), null);
        Assert.Contains("cut", replay.Replay(cut).Why, StringComparison.Ordinal);

        var resent = Record("p4", 4, VerdictAction.Relay, "127.0.0.10", "<bob@acme.example>", "news@external.example", null,
            reasons: new Reason(RuleIds.FromForwarded, ReasonOutcome.Info, "forwarded", Evidence.None));
        Assert.Contains("Resent", replay.Replay(resent).Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_over_the_store_counts_every_record_once_across_pages()
    {
        await using (var store = SqliteDecisionStore.Open(Path.Combine(_folder, "records.db")))
        {
            for (int i = 0; i < 2_500; i++)
            {
                await store.AddAsync(i % 5 == 0
                    ? Record($"s{i}", i, VerdictAction.Relay, "127.0.0.66", "<>", "security@globex.example", "noreply@trial-7731.example")
                    : Record($"n{i}", i, VerdictAction.Relay, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null), default);
            }

            await store.AddAsync(Record("m", 3_000, VerdictAction.Hold, "127.0.0.10", "<bob@acme.example>", "bob@acme.example", null,
                reasons: Fail("monitor.new-account.volume")), default);
            await store.FlushAsync(default);

            var ids = new HashSet<string>(StringComparer.Ordinal);
            var summary = await ReplaySummary.RunAsync(Replay(), store, new DecisionQuery(), outcome => Assert.True(ids.Add(outcome.Record.Id)), default);
            Assert.Equal(2_501, summary.Read);
            Assert.Equal(2_501, ids.Count);
            Assert.Equal(500, summary.Changed);
            Assert.Equal(2_000, summary.Same);
            Assert.Equal(1, summary.NotReplayed);
            Assert.Equal([(VerdictAction.Relay, VerdictAction.Reject, 500)], summary.Changes);
            Assert.Equal(T0, summary.First);
            Assert.Equal(T0.AddMinutes(3_000), summary.Last);

            var window = await ReplaySummary.RunAsync(Replay(), store, new DecisionQuery { Since = T0.AddMinutes(100), Until = T0.AddMinutes(200) }, _ => { }, default);
            Assert.Equal(100, window.Read);
            Assert.Equal(20, window.Changed);
        }
    }
}
