using System.Net;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Playwright;
using MimeKit;
using RelayWarden.TestSupport;

namespace RelayWarden.Browser.Tests;

/// <summary>
/// The incident scenario over real SMTP (MailKit) through the relay: partner-trial sends with MAIL FROM:&lt;&gt;,
/// a Sender in its own domain and a From in globex's domain (refused at end of DATA), next to globex's and
/// acme's own mail (accepted); then the incident report for globex.example in the browser, its counts, the
/// owners CSV download, and a screenshot.
/// </summary>
public sealed class IncidentReportTests : IClassFixture<BrowserFixture>
{
    private const string PartnerTrial = "127.0.0.40";
    private const string Globex = "127.0.0.20";
    private const string Acme = "127.0.0.10";

    private readonly BrowserFixture _fixture;

    public IncidentReportTests(BrowserFixture fixture) => _fixture = fixture;

    private static MimeMessage Message(string from, string? sender, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        if (sender is not null)
        {
            message.Sender = MailboxAddress.Parse(sender);
        }

        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = $"{Guid.NewGuid():N}@test";
        message.Body = new TextPart("plain") { Text = "Please verify your account.\r\n" };
        return message;
    }

    /// <summary>Sends one message from <paramref name="local"/>; returns the reply code (250 when accepted).</summary>
    private async Task<int> SendAsync(string local, string mailFrom, MimeMessage message)
    {
        using var client = new SmtpClient { LocalEndPoint = new IPEndPoint(IPAddress.Parse(local), 0), Timeout = 10_000 };
        var relay = _fixture.Console.Relay.Endpoint;
        await client.ConnectAsync(relay.Address.ToString(), relay.Port, SecureSocketOptions.None);
        try
        {
            await client.SendAsync(message, new MailboxAddress(string.Empty, mailFrom), message.To.Mailboxes);
            return 250;
        }
        catch (SmtpCommandException refused)
        {
            return (int)refused.StatusCode;
        }
        finally
        {
            await client.DisconnectAsync(true);
        }
    }

    [Fact]
    public async Task Incident_report_for_the_spoofed_domain_counts_the_refused_spoof_and_the_owners_own_mail()
    {
        for (int i = 0; i < 3; i++)
        {
            var spoof = Message("Globex Security <security@globex.example>", "noreply@partner-trial.example", $"victim{i}@customers{i % 2}.example", "Verify your account");
            Assert.Equal(550, await SendAsync(PartnerTrial, string.Empty, spoof)); // MAIL FROM:<>
        }

        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(250, await SendAsync(Globex, "gary@globex.example", Message("gary@globex.example", null, $"partner{i}@partner.example", "Invoice")));
        }

        Assert.Equal(250, await SendAsync(Acme, "alice@acme.example", Message("alice@acme.example", null, "bob@partner.example", "Hello")));
        await _fixture.Console.Relay.Host.Records.FlushAsync(default);

        var page = await _fixture.SignedInPageAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        await page.ClickAsync("header nav >> text=Incident report");
        await page.FillAsync("input[name=spoofed]", "globex.example");
        await page.FillAsync("input[name=since]", "-1h");
        await page.ClickAsync("[data-testid=incident-form] button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=total-refused]");

        Assert.Equal("3", await page.InnerTextAsync("[data-testid=total-refused]"));
        Assert.Equal("2", await page.InnerTextAsync("[data-testid=total-accepted]")); // globex's own two messages
        var owner = page.Locator("[data-testid=owner-row]");
        Assert.Equal(1, await owner.CountAsync());
        Assert.Equal("globex", await owner.GetAttributeAsync("data-owner"));
        Assert.Equal("3", await owner.Locator("[data-col=refused]").InnerTextAsync());
        Assert.Equal("0", await owner.Locator("[data-col=accepted]").InnerTextAsync());
        var trial = page.Locator("[data-testid=submitter-row][data-tenant=partner-trial]");
        Assert.Equal("3", await trial.Locator("[data-col=refused]").InnerTextAsync());
        Assert.Equal("2", await page.Locator("[data-testid=submitter-row][data-tenant=globex] [data-col=accepted]").InnerTextAsync());
        Assert.Equal(0, await page.Locator("[data-testid=submitter-row][data-tenant=acme]").CountAsync());
        await BrowserFixture.ScreenshotAsync(page, "incident-report");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=export-owners]"));
        string csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("owner_tenant,domains,accepted,held,refused,recipients,refused_recipients,recipient_domains,", csv, StringComparison.Ordinal);
        Assert.Contains("\r\nglobex,globex.example,0,0,3,0,3,2,", csv, StringComparison.Ordinal);

        // From the report to the spoofer's timeline: its refusals are there.
        await trial.Locator("a").ClickAsync();
        await page.WaitForSelectorAsync("[data-testid=activity-chart]");
        Assert.Equal(3, await page.Locator("[data-testid=record-row]").CountAsync());
        await BrowserFixture.ScreenshotAsync(page, "incident-account-timeline");
        await page.Context.CloseAsync();
    }
}
