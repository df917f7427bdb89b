using MailKit.Net.Smtp;
using Microsoft.Playwright;
using RelayWarden.TestSupport;

namespace RelayWarden.Browser.Tests;

/// <summary>A relay whose monitor holds an account's mail from its third message in 10 minutes, in a browser fixture.</summary>
public sealed class AlertFlowFixture : IAsyncLifetime
{
    public const string Rule = "monitor.browser.volume";

    public BrowserFixture Inner { get; } = new()
    {
        TopExtra = """
            monitor:
              rules:
                - id: monitor.browser.volume
                  when: "messages.10m >= 3"
                  severity: critical
                  action: hold
                  description: a low threshold for the browser test
            """,
    };

    public Task InitializeAsync() => Inner.InitializeAsync();

    public Task DisposeAsync() => Inner.DisposeAsync();
}

/// <summary>
/// The operator's incident flow in a real browser: real SMTP traffic raises an alert, the operator
/// opens it, suspends the account from the alert page, and the relay refuses that account at MAIL.
/// </summary>
public sealed class AlertFlowTests : IClassFixture<AlertFlowFixture>
{
    private const string Bot = "relay-bot@acme.example";
    private readonly BrowserFixture _fixture;

    public AlertFlowTests(AlertFlowFixture fixture) => _fixture = fixture.Inner;

    private TestConsole Console => _fixture.Console;

    private async Task<long> RaiseAlertAsync()
    {
        var existing = Console.Relay.Host.Triage.Alerts(null, Bot, 1);
        if (existing.Count > 0)
        {
            return existing[0].Alert.Id;
        }

        var replies = await TestMail.SendAsync(Console.Relay.Endpoint, Bot, 4, login: Bot);
        Assert.Equal(4, replies.Count);
        Assert.True(await TestRelay.EventuallyAsync(() => Console.Relay.Host.Triage.Alerts(null, Bot, 1).Count > 0, TimeSpan.FromSeconds(10)), Console.Relay.Log);
        await Console.Relay.Host.Records.FlushAsync(CancellationToken.None);
        return Console.Relay.Host.Triage.Alerts(null, Bot, 1)[0].Alert.Id;
    }

    [Fact]
    public async Task Operator_sees_the_alert_suspends_the_account_and_the_relay_refuses_it()
    {
        long id = await RaiseAlertAsync();
        var page = await _fixture.SignedInPageAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        await page.GotoAsync("/alerts", BrowserFixture.Opened);
        var row = page.Locator("[data-testid=alert-list] tr", new PageLocatorOptions { HasText = Bot });
        await row.First.WaitForAsync(); // the navigation is committed; the list is waited for, as every step waits for what it reads
        Assert.Equal(1, await row.CountAsync());
        Assert.Contains(AlertFlowFixture.Rule, await row.InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "alerts-list");

        await row.Locator($"a[href='/alerts/{id}']").First.ClickAsync();
        await BrowserFixture.ArrivedAsync(page, "[data-testid=alert-key]", url => url.EndsWith($"/alerts/{id}", StringComparison.Ordinal));
        Assert.Equal(Bot, await page.Locator("[data-testid=alert-key]").InnerTextAsync());
        Assert.Equal("active", await page.Locator("[data-testid=account-state]").InnerTextAsync());
        Assert.Contains("messages.10m", await page.Locator("[data-testid=figures]").InnerTextAsync(), StringComparison.Ordinal);
        await page.Locator("[data-testid=held] tbody tr").First.WaitForAsync();
        Assert.True(await page.Locator("[data-testid=held] tbody tr").CountAsync() >= 1);
        await BrowserFixture.ScreenshotAsync(page, "alert-before-suspend");

        await page.FillAsync("form:has([data-testid=suspend]) input[name=reason]", "confirmed from the records: burst to new domains");
        await page.ClickAsync("[data-testid=suspend]");
        await page.Locator(".flash").WaitForAsync();
        Assert.Contains("Suspended " + Bot, await page.Locator(".flash").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("suspended", await page.Locator("[data-testid=account-state]").InnerTextAsync());
        Assert.Contains("account.suspend", await page.Locator("[data-testid=history]").InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "alert-after-suspend");

        // The relay now refuses the account at MAIL FROM with a 5.7.x.
        using var client = await TestMail.ConnectAsync(Console.Relay.Endpoint, login: Bot);
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(TestMail.Message(Bot, 99)));
        Assert.Equal(SmtpErrorCode.SenderNotAccepted, refused.ErrorCode);
        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Contains("5.7.", refused.Message, StringComparison.Ordinal);

        // The dashboard shows the traffic, the refusal and the open alert.
        await Console.Relay.Host.Records.FlushAsync(CancellationToken.None);
        await page.GotoAsync("/", BrowserFixture.Opened);
        await page.Locator("[data-testid=dashboard-chart]").WaitForAsync();
        Assert.True(await page.Locator("[data-testid=dashboard-chart]").IsVisibleAsync());
        Assert.True(int.Parse(await page.Locator("[data-testid=open-alerts]").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains(Bot, await page.Locator("[data-testid=top-accounts]").InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "dashboard");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_analyst_sees_the_alert_but_the_buttons_are_disabled()
    {
        long id = await RaiseAlertAsync();
        var page = await _fixture.SignedInPageAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        await page.GotoAsync($"/alerts/{id}", BrowserFixture.Opened);
        Assert.Equal(Bot, await page.Locator("[data-testid=alert-key]").InnerTextAsync());
        var action = page.Locator("[data-testid=suspend], [data-testid=resume]");
        Assert.True(await action.First.IsDisabledAsync());
        Assert.True(await page.Locator("[data-testid=dismiss]").IsDisabledAsync() || await page.Locator("[data-testid=dismiss]").CountAsync() == 0);
        await BrowserFixture.ScreenshotAsync(page, "alert-analyst");
        await page.Context.CloseAsync();
    }
}
