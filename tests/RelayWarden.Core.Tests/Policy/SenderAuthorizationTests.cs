using System.Net;
using System.Text;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Tests.Cases;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Core.Tests.Policy;

/// <summary>Engine behaviour that golden cases cannot show: faults, configured rule actions, reply hygiene.</summary>
public class SenderAuthorizationTests
{
    private static Submission FromAcme(string mailFrom, string headers) => new()
    {
        ClientIp = IPAddress.Parse("192.0.2.10"),
        MailFrom = mailFrom,
        Recipients = ["<bob@customer.example>"],
        Message = Encoding.UTF8.GetBytes(headers + "To: bob@customer.example\r\nSubject: x\r\n\r\nbody\r\n"),
    };

    [Fact]
    public void An_engine_fault_defers_with_engine_error_instead_of_throwing()
    {
        // An adapter bug: no recipient list at all.
        var submission = new Submission { ClientIp = IPAddress.Parse("192.0.2.10"), MailFrom = "<news@acme.example>", Recipients = null! };

        var verdict = CaseDirectory.Engine().Evaluate(submission, SubmissionStage.Mail);

        Assert.Equal(VerdictAction.Defer, verdict.Action);
        Assert.Equal("451 4.3.0 Temporary policy failure, try again later", verdict.Reply.ToString());
        var reason = Assert.Single(verdict.Reasons);
        Assert.Equal(RuleIds.EngineError, reason.Rule);
        Assert.Equal(ReasonOutcome.Error, reason.Outcome);
    }

    [Fact]
    public void An_engine_fault_rejects_when_the_error_action_is_reject()
    {
        var submission = new Submission { ClientIp = IPAddress.Parse("192.0.2.10"), MailFrom = "<news@acme.example>", Recipients = null! };

        var verdict = CaseDirectory.Engine(new PolicyOptions { ErrorAction = RuleAction.Reject }).Evaluate(submission, SubmissionStage.Mail);

        Assert.Equal(VerdictAction.Reject, verdict.Action);
        Assert.Equal("554 5.3.0 Policy failure", verdict.Reply.ToString());
    }

    [Fact]
    public void A_monitored_rule_is_recorded_but_relays()
    {
        var options = new PolicyOptions { RuleActions = new Dictionary<string, RuleAction> { [RuleIds.EnvelopeExternal] = RuleAction.Monitor } };

        var verdict = CaseDirectory.Engine(options).Evaluate(FromAcme("<bounce@esp.example>", "From: news@acme.example\r\n"), SubmissionStage.Data);

        Assert.Equal(VerdictAction.Relay, verdict.Action);
        Assert.True(verdict.Has(RuleIds.EnvelopeExternal));
    }

    [Fact]
    public void External_From_is_not_forwarding_when_the_envelope_belongs_to_nobody_even_if_that_rule_is_only_monitored()
    {
        // With sender.envelope.external monitored, the From rule alone must still refuse: forwarding
        // needs an envelope owned by the submitter (DESIGN), not merely a non-null one.
        var options = new PolicyOptions { RuleActions = new Dictionary<string, RuleAction> { [RuleIds.EnvelopeExternal] = RuleAction.Monitor } };

        var verdict = CaseDirectory.Engine(options).Evaluate(
            FromAcme("<bounce@esp.example>", "From: organizer@partner.example\r\nSender: news@acme.example\r\n"), SubmissionStage.Data);

        Assert.Equal(VerdictAction.Reject, verdict.Action);
        Assert.True(verdict.Has(RuleIds.FromExternal));
        Assert.False(verdict.Has(RuleIds.FromForwarded));
    }

    [Theory]
    [InlineData(RuleAction.Defer, VerdictAction.Defer, "451 4.7.1 Try again later")]
    [InlineData(RuleAction.Hold, VerdictAction.Hold, "250 2.0.0 Ok: queued for review")]
    public void A_rule_action_from_configuration_sets_the_verdict(RuleAction action, VerdictAction expected, string reply)
    {
        var rule = RuleIds.OtherTenant(IdentityHeader.From);
        var options = new PolicyOptions { RuleActions = new Dictionary<string, RuleAction> { [rule] = action } };

        var verdict = CaseDirectory.Engine(options).Evaluate(FromAcme("<news@acme.example>", "From: ceo@globex.example\r\n"), SubmissionStage.Data);

        Assert.Equal(expected, verdict.Action);
        Assert.Equal(reply, verdict.Reply.ToString());
        Assert.Equal(rule, Assert.Single(verdict.Reasons).Rule);
    }

    [Fact]
    public void The_most_severe_action_wins_and_no_reason_is_dropped()
    {
        var options = new PolicyOptions { RuleActions = new Dictionary<string, RuleAction> { [RuleIds.EnvelopeOtherTenant] = RuleAction.Hold } };

        var verdict = CaseDirectory.Engine(options).Evaluate(FromAcme("<ceo@globex.example>", "From: ceo@globex.example\r\n"), SubmissionStage.Data);

        Assert.Equal(VerdictAction.Reject, verdict.Action);
        Assert.Equal([RuleIds.EnvelopeOtherTenant, RuleIds.OtherTenant(IdentityHeader.From)], verdict.Reasons.Select(r => r.Rule));
        Assert.Equal("550 5.7.1 From address not authorized for your account", verdict.Reply.ToString());
    }

    [Fact]
    public void A_message_inside_a_larger_buffer_is_judged_the_same()
    {
        var whole = FromAcme("<news@acme.example>", "From: \"Globex.example\" <news@acme.example>\r\n");
        var padded = new byte[whole.Message.Length + 10];
        whole.Message.Span.CopyTo(padded.AsSpan(7));
        var inside = new Submission { ClientIp = whole.ClientIp, MailFrom = whole.MailFrom, Recipients = whole.Recipients, Message = new ReadOnlyMemory<byte>(padded, 7, whole.Message.Length) };

        var expected = CaseDirectory.Engine().Evaluate(whole, SubmissionStage.Data);
        var actual = CaseDirectory.Engine().Evaluate(inside, SubmissionStage.Data);

        Assert.Equal(RuleIds.DisplayName(IdentityHeader.From), Assert.Single(expected.Reasons).Rule);
        Assert.Equal(expected.Reasons.Select(r => r.ToString()), actual.Reasons.Select(r => r.ToString()));
    }

    [Fact]
    public void Client_replies_never_name_another_tenant()
    {
        foreach (var rule in RuleIds.All)
        {
            var text = RuleReplies.For(rule).Text;
            Assert.DoesNotContain("globex", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("tenant", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Evidence_text_escapes_controls_and_cuts_long_values_and_keeps_plain_ones_as_they_are()
    {
        const string plain = "alice@acme.example";
        Assert.Same(plain, SenderAuthorization.Printable(plain)); // nothing to escape or cut: no copy
        Assert.Equal("a\\x0db\\x00c\\x7f", SenderAuthorization.Printable("a\rb\0c\u007f"));
        string longText = new('x', 250);
        Assert.Equal(new string('x', 200) + "…", SenderAuthorization.Printable(longText));
        Assert.Equal(longText[..200], SenderAuthorization.Printable(longText[..200]));
    }
}
