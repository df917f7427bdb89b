using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Hosting.Reports;
using RelayWarden.Storage.Sqlite;

namespace RelayWarden.Hosting.Tests.Reports;

/// <summary>
/// The incident impact report on a crafted incident: a trial account sends with MAIL FROM:&lt;&gt;, a
/// Sender in its own domain and a From in globex's domain (refused, one accepted before the rule), next
/// to globex's and acme's own legitimate mail.
/// </summary>
public sealed class IncidentReporterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 21, 3, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-incident-" + Guid.NewGuid().ToString("N")[..12]);
    private SqliteDecisionStore _store = null!;

    private static readonly TenantDirectory Directory = TenantDirectory.Build(
    [
        new Tenant { Id = "acme", Domains = [new DomainClaim("acme.example")] },
        new Tenant { Id = "globex", Domains = [new DomainClaim("globex.example")] },
        new Tenant { Id = "trial-7731", Kind = TenantKind.Trial, Domains = [new DomainClaim("trial-7731.example")] },
    ], out _);

    private static DecisionRecord Record(string id, int minute, VerdictAction action, string tenant, string account, string ip,
        string mailFrom, string from, string? sender, params string[] recipients) => new()
    {
        Id = id,
        Time = T0.AddMinutes(minute),
        Stage = "smtp.data",
        Tenant = tenant,
        Account = account,
        ClientIp = ip,
        MailFrom = mailFrom,
        From = from,
        Sender = sender,
        Recipients = recipients,
        RecipientDomains = [.. recipients.Select(r => RecordKeys.ForwardPath(r).Domain!).Distinct().Order()],
        Action = action,
        Reply = action is VerdictAction.Relay or VerdictAction.Hold ? "250 2.0.0 queued" : "550 5.7.1 no",
    };

    public async Task InitializeAsync()
    {
        _store = SqliteDecisionStore.Open(Path.Combine(_folder, "records.db"));
        DecisionRecord[] records =
        [
            // The spoof: accepted once before the rule was on, then refused (and deferred once).
            Record("s1", 1, VerdictAction.Relay, "trial-7731", "trial-7731", "127.0.0.66", "<>", "Globex Security <security@globex.example>",
                "noreply@trial-7731.example", "<a1@bank-customers.example>", "<a2@bank-customers.example>", "<a3@mail.example>"),
            Record("s2", 2, VerdictAction.Reject, "trial-7731", "trial-7731", "127.0.0.66", "<>", "Globex Security <security@globex.example>",
                "noreply@trial-7731.example", "<b1@bank-customers.example>", "<b2@other.example>"),
            Record("s3", 3, VerdictAction.Reject, "trial-7731", "trial-7731", "127.0.0.66", "<>", "security@globex.example",
                "noreply@trial-7731.example", "<c1@mail.example>"),
            Record("s4", 4, VerdictAction.Defer, "trial-7731", "trial-7731", "127.0.0.67", "<>", "=HYPERLINK(\"x\") <security@globex.example>",
                "noreply@trial-7731.example", "<d1@third.example>"),
            // globex's own mail: matches the domain, but it is theirs.
            Record("g1", 5, VerdictAction.Relay, "globex", "gary", "127.0.0.20", "<gary@globex.example>", "gary@globex.example", null, "<x@partner.example>"),
            Record("g2", 6, VerdictAction.Hold, "globex", "gary", "127.0.0.20", "<gary@globex.example>", "gary@globex.example", null, "<y@partner.example>"),
            // acme: its own mail, and one message in globex's subdomain's name with an unclaimed bounce domain.
            Record("c1", 7, VerdictAction.Relay, "acme", "alice", "127.0.0.10", "<alice@acme.example>", "alice@acme.example", null, "<z@partner.example>"),
            Record("c2", 8, VerdictAction.Relay, "acme", "alice", "127.0.0.10", "<bounce@unclaimed.example>", "ceo@news.globex.example", null, "<w@partner.example>"),
            // The spoof again, outside the window.
            Record("late", 120, VerdictAction.Reject, "trial-7731", "trial-7731", "127.0.0.66", "<>", "security@globex.example",
                "noreply@trial-7731.example", "<e@mail.example>"),
        ];
        foreach (var record in records)
        {
            await _store.AddAsync(record, default);
        }

        await _store.FlushAsync(default);
    }

    private Task<IncidentReport> Report(string? spoofed = null, string? tenant = null, string? account = null) =>
        new IncidentReporter(_store, () => Directory).BuildAsync(
            new IncidentQuery { Spoofed = spoofed, Tenant = tenant, Account = account, Since = T0, Until = T0.AddHours(1) }, default);

    [Fact]
    public async Task Spoofed_domain_report_counts_the_spoof_by_submitter_and_charges_only_the_spoof_to_the_owner()
    {
        var report = await Report(spoofed: "globex.example");
        Assert.Equal((3L, 1L, 3L), (report.Total.Accepted, report.Total.Held, report.Total.Refused)); // s1 g1 g2 | s2 s3 s4

        Assert.Equal(3, report.BySubmitter.Count);
        var trial = report.BySubmitter[0];
        Assert.Equal(("trial-7731", "trial-7731", "127.0.0.66"), (trial.Tenant, trial.Account, trial.ClientIp));
        Assert.Equal((1L, 2L, 3L, 3L), (trial.Counts.Accepted, trial.Counts.Refused, trial.Counts.Recipients, trial.Counts.RefusedRecipients));
        Assert.Equal(3L, trial.Counts.RecipientDomains); // bank-customers, mail, other
        Assert.Equal((T0.AddMinutes(1), T0.AddMinutes(3)), (trial.Counts.FirstSeen, trial.Counts.LastSeen));
        Assert.Equal(("globex", 2L, 0L), (report.BySubmitter[1].Tenant, report.BySubmitter[1].Counts.Accepted, report.BySubmitter[1].Counts.Refused));
        Assert.Equal(("127.0.0.67", 1L), (report.BySubmitter[2].ClientIp, report.BySubmitter[2].Counts.Refused));

        var victim = Assert.Single(report.ByOwner);
        Assert.Equal("globex", victim.OwnerTenant);
        Assert.Equal(["globex.example"], victim.Domains);
        Assert.Equal((1L, 3L, 3L, 4L, 4L), (victim.Counts.Accepted, victim.Counts.Refused, victim.Counts.Recipients, victim.Counts.RefusedRecipients, victim.Counts.RecipientDomains));
        Assert.Equal((T0.AddMinutes(1), T0.AddMinutes(4)), (victim.Counts.FirstSeen, victim.Counts.LastSeen));
    }

    [Fact]
    public async Task One_spoofed_address_matches_only_that_address()
    {
        var report = await Report(spoofed: "<Security@Globex.Example>");
        Assert.Equal((1L, 3L), (report.Total.Accepted, report.Total.Refused));
        Assert.Equal(["trial-7731"], report.BySubmitter.Select(s => s.Tenant).Distinct());
    }

    [Fact]
    public async Task Account_report_charges_the_other_tenant_and_not_the_accounts_own_sender_domain()
    {
        var report = await Report(account: "trial-7731");
        Assert.Equal((1L, 3L), (report.Total.Accepted, report.Total.Refused));
        var victim = Assert.Single(report.ByOwner); // the Sender in trial-7731.example is its own; MAIL FROM:<> has no domain
        Assert.Equal(("globex", 4L), (victim.OwnerTenant, victim.Counts.Messages));
    }

    [Fact]
    public async Task Tenant_report_maps_subdomains_to_the_claiming_tenant_and_lists_unclaimed_domains_apart()
    {
        var report = await Report(tenant: "acme");
        Assert.Equal((2L, 0L), (report.Total.Accepted, report.Total.Refused));
        Assert.Equal(2, report.ByOwner.Count);
        Assert.Equal(("globex", "news.globex.example", 1L), (report.ByOwner[0].OwnerTenant, Assert.Single(report.ByOwner[0].Domains), report.ByOwner[0].Counts.Accepted));
        Assert.Equal((null, "unclaimed.example"), (report.ByOwner[1].OwnerTenant, Assert.Single(report.ByOwner[1].Domains)));
    }

    [Fact]
    public async Task Null_sender_report_finds_the_bounce_address_spoof()
    {
        var report = await Report(spoofed: "<>");
        Assert.Equal(4L, report.Total.Messages);
        Assert.Empty(report.ByOwner); // the null sender names no domain
    }

    [Fact]
    public async Task A_report_without_a_subject_or_with_a_bad_domain_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Report());
        var query = new IncidentQuery { Spoofed = "not a domain", Since = T0, Until = T0.AddHours(1) };
        Assert.False(query.TryGetFilter(out _, out var errors));
        Assert.StartsWith("identity:", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_csv_export_of_a_report_has_one_row_per_group_and_neutralizes_formulas()
    {
        var report = await Report(spoofed: "globex.example");
        using var owners = new StringWriter();
        RecordsCsv.WriteOwners(owners, report);
        Assert.Equal(
            "owner_tenant,domains,accepted,held,refused,recipients,refused_recipients,recipient_domains,first_seen,last_seen\r\n"
            + "globex,globex.example,1,0,3,3,4,4,2026-04-21T03:01:00.000Z,2026-04-21T03:04:00.000Z\r\n", owners.ToString());

        using var submitters = new StringWriter();
        RecordsCsv.WriteSubmitters(submitters, report);
        string[] lines = submitters.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("trial-7731,trial-7731,127.0.0.66,1,0,2,3,3,3,", lines[1], StringComparison.Ordinal);

        var page = await _store.SearchAsync(new DecisionQuery { ClientIp = "127.0.0.67" }, default);
        using var decisions = new StringWriter();
        await RecordsCsv.WriteDecisionsAsync(decisions, page.Records.ToAsyncEnumerable(), default);
        Assert.Contains(",\"'=HYPERLINK(\"\"x\"\") <security@globex.example>\",", decisions.ToString(), StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        if (System.IO.Directory.Exists(_folder))
        {
            System.IO.Directory.Delete(_folder, recursive: true);
        }
    }
}
