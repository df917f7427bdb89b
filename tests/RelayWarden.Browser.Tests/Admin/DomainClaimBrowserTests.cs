using Microsoft.Playwright;
using RelayWarden.Core.Control;
using RelayWarden.TestSupport;

namespace RelayWarden.Browser.Tests.Admin;

/// <summary>An admin claims a domain on /directory, reads the TXT record to publish, and verifies it once published.</summary>
public sealed class DomainClaimBrowserTests : IClassFixture<DomainClaimBrowserFixture>
{
    private readonly DomainClaimBrowserFixture _fixture;

    public DomainClaimBrowserTests(DomainClaimBrowserFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Admin_claims_a_domain_publishes_the_record_shown_and_verifies_it()
    {
        string domain = $"shop.{DomainClaimBrowserFixture.Zone}";
        var page = await _fixture.Browser.SignedInPageAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        await page.GotoAsync("/directory");
        var form = page.Locator("[data-testid=claim]");
        await form.Locator("select[name=tenant]").SelectOptionAsync("acme");
        await form.Locator("input[name=domain]").FillAsync(domain);
        await form.Locator("button[type=submit]").ClickAsync();

        var row = page.Locator($"tr[data-domain='{domain}']");
        Assert.Equal("pending", await row.Locator("[data-testid=state]").InnerTextAsync());
        string record = await row.Locator("[data-testid=record]").InnerTextAsync();
        var claim = _fixture.Browser.Console.Relay.Host.Control.FindDomainClaim(domain)!;
        Assert.Equal($"_relaywarden.{domain}. IN TXT \"relaywarden-verify={claim.Token}\"", record.Trim());
        await BrowserFixture.ScreenshotAsync(page, "domain-claim-pending");

        await row.Locator("text=Verify now").ClickAsync();
        row = page.Locator($"tr[data-domain='{domain}']");
        Assert.Equal("failed", await row.Locator("[data-testid=state]").InnerTextAsync());

        _fixture.Dns.Publish(($"_relaywarden.{domain}", $"relaywarden-verify={claim.Token}"));
        await row.Locator("text=Verify now").ClickAsync();
        Assert.Equal("verified", await page.Locator($"tr[data-domain='{domain}'] [data-testid=state]").InnerTextAsync());
        Assert.Contains($"{domain}: verified", await page.Locator(".flash").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(ClaimState.Verified, _fixture.Browser.Console.Relay.Host.Control.FindDomainClaim(domain)!.State);
        await BrowserFixture.ScreenshotAsync(page, "domain-claim-verified");
        await page.Context.CloseAsync();
    }
}
