using Microsoft.Playwright;
using RelayWarden.TestSupport;

namespace RelayWarden.Browser.Tests;

/// <summary>Signing in and out in a real browser.</summary>
public sealed class LoginTests : IClassFixture<BrowserFixture>
{
    private readonly BrowserFixture _fixture;

    public LoginTests(BrowserFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Operator_signs_in_sees_the_dashboard_and_signs_out()
    {
        var page = await _fixture.SignedInPageAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        Assert.Equal("Dashboard", await page.Locator("h1").InnerTextAsync());
        Assert.Contains(TestConsole.AdminName, await page.Locator("[data-testid=who]").InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "login-dashboard");

        await page.ClickAsync("text=Sign out");
        await BrowserFixture.ArrivedAsync(page, "input[name=password]", url => url.Contains("/login", StringComparison.Ordinal));
        await page.GotoAsync("/", BrowserFixture.Opened);
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Wrong_password_shows_an_error_and_no_session()
    {
        var context = await _fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _fixture.Console.Address.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login", BrowserFixture.Opened);
        await page.FillAsync("input[name=name]", TestConsole.AnalystName);
        await page.FillAsync("input[name=password]", "not it at all");
        await page.ClickAsync("button[type=submit]");
        Assert.Contains("Wrong name or password", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "login-refused");
        await page.GotoAsync("/", BrowserFixture.Opened);
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        await context.CloseAsync();
    }
}
