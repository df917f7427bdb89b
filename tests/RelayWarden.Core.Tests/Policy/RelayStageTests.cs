using System.Net;
using Microsoft.Extensions.Time.Testing;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Tests.Policy;

/// <summary>Stage semantics the SMTP relay relies on: relay protection at RCPT, the recipient limit.</summary>
public class RelayStageTests
{
    private static SenderAuthorization Engine(int maxRecipients = 0)
    {
        var tenants = new[] { new Tenant { Id = "acme", Domains = [new DomainClaim("acme.example")], Networks = [IPNetwork.Parse("192.0.2.0/24")] } };
        var directory = TenantDirectory.Build(tenants, out var errors);
        Assert.Empty(errors);
        return new SenderAuthorization(directory, Blocklist.Empty, PolicyOptions.Default with { MaxRecipients = maxRecipients },
            new FakeTimeProvider(new DateTimeOffset(2025, 4, 21, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Unknown_client_passes_MAIL_and_is_refused_at_RCPT_with_relay_denied()
    {
        var engine = Engine();
        var submission = new Submission { ClientIp = IPAddress.Parse("203.0.113.9"), MailFrom = "<a@acme.example>" };
        Assert.Equal(VerdictAction.Relay, engine.Evaluate(submission, SubmissionStage.Mail).Action);
        var rcpt = engine.EvaluateRecipient(submission, "<b@customer.example>");
        Assert.Equal(VerdictAction.Reject, rcpt.Action);
        Assert.True(rcpt.Has(RuleIds.RelayDenied));
        Assert.Equal("554 5.7.1 Relay access denied", rcpt.Reply.ToString());
        Assert.True(engine.Evaluate(submission, SubmissionStage.Data).Has(RuleIds.RelayDenied));
    }

    [Fact]
    public void Recipient_beyond_the_limit_fails_recipient_limit_with_452()
    {
        var engine = Engine(maxRecipients: 2);
        var two = new Submission { ClientIp = IPAddress.Parse("192.0.2.1"), MailFrom = "<a@acme.example>", Recipients = ["<x@c.example>", "<y@c.example>"] };
        var verdict = engine.EvaluateRecipient(two, "<z@c.example>");
        Assert.True(verdict.Has(RuleIds.RecipientLimit));
        Assert.Equal("452 4.5.3 Too many recipients", verdict.Reply.ToString());
        Assert.Equal(VerdictAction.Relay, Engine().EvaluateRecipient(two, "<z@c.example>").Action); // no limit configured
    }
}
