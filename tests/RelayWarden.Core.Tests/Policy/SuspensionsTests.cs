using System.Net;
using Microsoft.Extensions.Time.Testing;
using RelayWarden.Core.Control;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;
using RelayWarden.Mail.Addresses;

namespace RelayWarden.Core.Tests.Policy;

/// <summary>Suspensions from the control store, enforced by the engine at MAIL (issue 4).</summary>
public class SuspensionsTests
{
    private static readonly DateTimeOffset s_now = new(2025, 4, 21, 3, 14, 7, TimeSpan.Zero);

    private static TenantDirectory Directory()
    {
        Assert.True(Mailbox.TryParse("alice@acme.example", out var alice, out _));
        var acme = new Tenant
        {
            Id = "acme",
            Domains = [new DomainClaim("acme.example", true)],
            Networks = [IPNetwork.Parse("192.0.2.0/24")],
            Users = [new TenantUser("alice@acme.example", [alice]), new TenantUser("bob@acme.example", null)],
        };
        var directory = TenantDirectory.Build([acme], out var errors);
        Assert.Empty(errors);
        return directory;
    }

    private static SenderAuthorization Engine(params Suspension[] suspensions) =>
        new(Directory(), Blocklist.Empty, new Suspensions(suspensions), PolicyOptions.Default, new FakeTimeProvider(s_now));

    private static Verdict Mail(SenderAuthorization engine, string? login, string ip = "192.0.2.7") =>
        engine.Evaluate(new Submission { ClientIp = IPAddress.Parse(ip), AuthLogin = login, MailFrom = "<alice@acme.example>" }, SubmissionStage.Mail);

    [Fact]
    public void A_suspended_login_is_refused_at_MAIL_with_550_5_7_1_and_the_who_and_why()
    {
        var engine = Engine(new Suspension(SuspensionScope.Account, "alice@acme.example", "ops", s_now, "phished"));
        var verdict = Mail(engine, "Alice@acme.example");
        Assert.Equal(VerdictAction.Reject, verdict.Action);
        Assert.Equal("550 5.7.1 Account suspended, contact your provider", verdict.Reply.ToString());
        var reason = Assert.Single(verdict.Reasons);
        Assert.Equal(RuleIds.LoginSuspended, reason.Rule);
        Assert.Contains("by ops", reason.Detail, StringComparison.Ordinal);
        Assert.Contains("phished", reason.Detail, StringComparison.Ordinal);
        Assert.Equal(VerdictAction.Relay, Mail(engine, "bob@acme.example").Action);
    }

    [Fact]
    public void An_account_by_IP_is_suspended_by_its_tenant_slash_ip_key()
    {
        var engine = Engine(new Suspension(SuspensionScope.Account, AccountKey.ForIp("acme", "192.0.2.7"), "monitor", s_now, null));
        Assert.True(Mail(engine, null).Has(RuleIds.LoginSuspended));
        Assert.Equal(VerdictAction.Relay, Mail(engine, null, "192.0.2.8").Action);
    }

    [Fact]
    public void A_suspended_tenant_refuses_every_login_and_network_of_it()
    {
        var engine = Engine(new Suspension(SuspensionScope.Tenant, "acme", "ops", s_now, "unpaid"));
        Assert.True(Mail(engine, "bob@acme.example").Has(RuleIds.AccountSuspended));
        Assert.True(Mail(engine, null).Has(RuleIds.AccountSuspended));
    }

    [Fact]
    public void Merging_a_monitor_decision_keeps_every_reason_and_the_most_severe_action()
    {
        var relay = new Verdict(VerdictAction.Hold, SmtpReply.Held, "acme", [new Reason("x.rule", ReasonOutcome.Fail, "x", Evidence.None)]);
        var defer = new MonitorDecision(MonitorAction.Defer, VerdictAction.Defer, MonitorDecision.DeferReply,
            [new Reason("monitor.test", ReasonOutcome.Fail, "m", Evidence.None)], []);
        var merged = MonitorVerdicts.Merge(relay, defer);
        Assert.Equal(VerdictAction.Defer, merged.Action);
        Assert.StartsWith("451 4.7.1", merged.Reply.ToString(), StringComparison.Ordinal);
        Assert.Equal(["x.rule", "monitor.test"], merged.Reasons.Select(r => r.Rule));
        Assert.Same(relay, MonitorVerdicts.Merge(relay, MonitorDecision.None));
        var rejected = relay with { Action = VerdictAction.Reject, Reply = MonitorDecision.RejectReply };
        Assert.Equal(VerdictAction.Reject, MonitorVerdicts.Merge(rejected, defer).Action);
    }

    private sealed class CountingGate : IMonitorGate
    {
        public int Observed { get; private set; }

        public MonitorDecision Observe(Observation observation)
        {
            Observed++;
            return MonitorDecision.None;
        }

        public void ObserveRefused(string account, DateTimeOffset time, int count)
        {
        }
    }

    [Fact]
    public void Only_messages_the_engine_lets_through_for_a_tenant_are_observed()
    {
        var gate = new CountingGate();
        Observation Build(string tenant) => new() { Time = s_now, Account = tenant, Tenant = tenant };
        MonitorVerdicts.Apply(gate, new Verdict(VerdictAction.Relay, SmtpReply.Accepted, "acme", []), Build);
        MonitorVerdicts.Apply(gate, new Verdict(VerdictAction.Hold, SmtpReply.Held, "acme", []), Build);
        MonitorVerdicts.Apply(gate, new Verdict(VerdictAction.Reject, MonitorDecision.RejectReply, "acme", []), Build);
        MonitorVerdicts.Apply(gate, new Verdict(VerdictAction.Defer, MonitorDecision.DeferReply, "acme", []), Build);
        MonitorVerdicts.Apply(gate, new Verdict(VerdictAction.Relay, SmtpReply.Accepted, null, []), Build);
        Assert.Equal(2, gate.Observed);
    }
}
