using Microsoft.Playwright;
using RelayWarden.TestSupport;

namespace RelayWarden.Browser.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by test.sh) driven by Playwright, headless and
/// without sandbox (the tests run as root in CI), with the flags that keep it off the network; one relay
/// and console per test class. Screenshots go to <see cref="ScreenshotFolder"/> (TestResults/screenshots).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private TestConsole? _console;

    public TestConsole Console => _console ?? throw new InvalidOperationException("not started");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    /// <summary>Where screenshots are saved: <c>TestResults/screenshots</c> at the repository root (or beside the test binaries).</summary>
    public static string ScreenshotFolder { get; } = FindScreenshotFolder();

    /// <summary>Extra configuration for the relay (monitor rules and the like); set by a derived fixture.</summary>
    public string RelayExtra { get; init; } = string.Empty;

    public string TopExtra { get; init; } = string.Empty;

    public async Task InitializeAsync()
    {
        _console = await TestConsole.StartAsync(relayExtra: RelayExtra, topExtra: TopExtra);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
    }

    /// <summary>
    /// For <c>GotoAsync</c>: the navigation is committed (the response is there); no lifecycle event of
    /// the new document is waited for, and after a click no <c>WaitForURLAsync</c> either: each step
    /// waits for the element it needs, which is read from the DOM. Under CI's load (two cores, the test
    /// projects side by side) waits for lifecycle events timed out with the awaited event never seen
    /// although later ones had fired — "load" (15 s, then 30 s), "domcontentloaded" (30 s), and the load
    /// state <c>WaitForURLAsync</c> checks when the address already matches (30 s, "networkidle" fired).
    /// </summary>
    public static PageGotoOptions Opened { get; } = new() { WaitUntil = WaitUntilState.Commit };

    /// <summary>Waits until the page shows <paramref name="selector"/>, then checks that its address satisfies <paramref name="address"/>.</summary>
    public static async Task ArrivedAsync(IPage page, string selector, Func<string, bool> address)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(address);
        await page.Locator(selector).First.WaitForAsync();
        Assert.True(address(page.Url), page.Url);
    }

    /// <summary>A fresh browser context (own cookies) and page, signed in as <paramref name="name"/>.</summary>
    public async Task<IPage> SignedInPageAsync(string name, string password)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Console.Address.ToString(), ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        // Generous: CI runs the test projects side by side on two cores, Chromium included.
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync("/login", BrowserFixture.Opened);
        await page.FillAsync("input[name=name]", name);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("button[type=submit]");
        await ArrivedAsync(page, "[data-testid=who]", url => !url.Contains("/login", StringComparison.Ordinal));
        return page;
    }

    /// <summary>Saves a full-page screenshot as a test artifact; returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        string path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    private static string FindScreenshotFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RelayWarden.slnx")))
        {
            directory = directory.Parent;
        }

        string folder = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "TestResults", "screenshots");
        System.IO.Directory.CreateDirectory(folder);
        return folder;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_console is not null)
        {
            await _console.DisposeAsync();
        }
    }
}
