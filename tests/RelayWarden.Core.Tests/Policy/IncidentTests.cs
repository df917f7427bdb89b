using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Mail.Addresses;

namespace RelayWarden.Core.Tests.Policy;

public class IncidentTests
{
    private static readonly FakeTimeProvider s_time = new(new DateTimeOffset(2025, 4, 21, 3, 14, 7, TimeSpan.Zero));

    private static SenderAuthorization Engine()
    {
        var tenants = new[]
        {
            new Tenant { Id = "globex", Domains = [new DomainClaim("globex.example")], Networks = [IPNetwork.Parse("192.0.2.0/24")] },
            new Tenant
            {
                Id = "trial-1", Kind = TenantKind.Trial, CreatedBy = TenantCreator.Partner, Domains = [new DomainClaim("trial-1.example")],
                Networks = [IPNetwork.Parse("198.51.100.0/24")],
            },
        };
        var directory = TenantDirectory.Build(tenants, out var errors);
        Assert.Empty(errors);
        return new SenderAuthorization(directory, Blocklist.Empty, PolicyOptions.Default, s_time);
    }

    [Fact]
    public void Foreign_From_is_rejected_even_with_null_sender_and_own_Sender()
    {
        var message = "Sender: noreply@trial-1.example\r\nFrom: Globex <security@globex.example>\r\nSubject: x\r\n\r\nbody\r\n";
        var verdict = Engine().Evaluate(new Submission
        {
            ClientIp = IPAddress.Parse("198.51.100.7"),
            MailFrom = "<>",
            Recipients = ["<victim@customer.example>"],
            Message = Encoding.UTF8.GetBytes(message),
        }, SubmissionStage.Data);

        Assert.Equal(VerdictAction.Reject, verdict.Action);
        Assert.Equal("550 5.7.1 From address not authorized for your account", verdict.Reply.ToString());
        Assert.Equal(RuleIds.OtherTenant(Mail.Headers.IdentityHeader.From), verdict.Reasons[0].Rule);
        Assert.Equal("globex", verdict.Reasons[0].Evidence.Owner);
        Assert.DoesNotContain("globex", verdict.Reply.Text, StringComparison.OrdinalIgnoreCase);
    }
}
