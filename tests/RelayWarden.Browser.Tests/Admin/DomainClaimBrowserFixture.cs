using RelayWarden.TestSupport;

namespace RelayWarden.Browser.Tests.Admin;

/// <summary>A browser and console whose domain claims are checked against a private dnsmasq.</summary>
public sealed class DomainClaimBrowserFixture : IAsyncLifetime
{
    public const string Zone = "browser.test";

    public DnsmasqServer Dns { get; private set; } = null!;

    public BrowserFixture Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Dns = DnsmasqServer.Start([Zone]);
        Browser = new BrowserFixture { TopExtra = $"domain_claims:\n  dns_servers: [\"{Dns.Address}\"]\n  dns_timeout: 2s\n  recheck_interval: \"off\"\n" };
        await Browser.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Dns?.Dispose();
    }
}
