using System.Net;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests;

/// <summary>
/// A relay + console whose monitor holds an account's mail from its third message in 10 minutes
/// (<c>monitor.test.volume</c>, action hold), and real SMTP traffic that fired it: relay-bot@acme.example sent
/// five messages (three held, one alert).
/// </summary>
public sealed class AlertsFixture : IAsyncLifetime
{
    public const string Rule = "monitor.test.volume";
    public const string Bot = "relay-bot@acme.example";

    public const string Monitor = """
        monitor:
          rules:
            - id: monitor.test.volume
              when: "messages.10m >= 3"
              severity: high
              action: hold
              description: a low threshold for tests
        """;

    private TestConsole? _console;

    public TestConsole Console => _console ?? throw new InvalidOperationException("not started");

    public long BotAlertId { get; private set; }

    public async Task InitializeAsync()
    {
        _console = await TestConsole.StartAsync(topExtra: Monitor);
        await TestMail.SendAsync(_console.Relay.Endpoint, Bot, 5, login: Bot);
        BotAlertId = await WaitForAlertAsync(_console, Bot);
        await _console.Relay.Host.Records.FlushAsync(CancellationToken.None);
    }

    /// <summary>Waits for the (asynchronously stored) alert of a key; returns its id.</summary>
    public static async Task<long> WaitForAlertAsync(TestConsole console, string key)
    {
        Assert.True(await TestRelay.EventuallyAsync(() => console.Relay.Host.Triage.Alerts(null, key, 10).Count > 0, TimeSpan.FromSeconds(10)),
            $"no alert for {key}; log:\n{console.Relay.Log}");
        return console.Relay.Host.Triage.Alerts(null, key, 10)[0].Alert.Id;
    }

    public static IPAddress Local(int last) => IPAddress.Parse($"127.0.0.{last}");

    public async Task DisposeAsync()
    {
        if (_console is not null)
        {
            await _console.DisposeAsync();
        }
    }
}
