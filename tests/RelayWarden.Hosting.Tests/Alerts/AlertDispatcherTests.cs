using RelayWarden.TestSupport;
using System.Net;
using System.Net.Sockets;
using RelayWarden.Core.Monitor;
using RelayWarden.Hosting.Alerts;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Smtp;
using RelayWarden.Storage.Sqlite;

namespace RelayWarden.Hosting.Tests.Alerts;

public sealed class AlertDispatcherTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-alerts-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static MonitorAlert Alert() => new()
    {
        Rule = "monitor.test.rule",
        Severity = MonitorSeverity.High,
        Action = MonitorAction.Defer,
        Scope = MonitorKeyKind.Account,
        Key = "alice@acme.example",
        Time = new DateTimeOffset(2026, 11, 22, 21, 0, 0, TimeSpan.Zero),
        Condition = "messages.1m >= 3",
        Figures = new Dictionary<string, double> { ["messages.1m"] = 3 },
        TopDomains = [("customer.example", 3)],
        SampleMessageIds = ["<1@acme.example>"],
        SubjectHashes = ["00112233aabbccdd"],
    };

    [Fact]
    public async Task An_unreachable_webhook_is_tried_max_attempts_times_and_the_alert_is_still_stored_and_logged()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var options = new AlertOptions
        {
            Webhook = new WebhookOptions { Url = new Uri($"http://127.0.0.1:{port}/hook"), MaxAttempts = 2, RetryInitial = TimeSpan.FromMilliseconds(20), Timeout = TimeSpan.FromSeconds(1) },
        };
        using var store = SqliteControlStore.Open(Path.Combine(_folder, "control.db"));
        var log = new ConcurrentStringWriter();
        var dispatcher = new AlertDispatcher(options, store, new RelayLog(log, TimeProvider.System), null, "relay.test", TimeProvider.System);
        dispatcher.Enqueue(Alert());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!log.Text.Contains("attempt=2", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await dispatcher.DisposeAsync();
        Assert.Contains("event=monitor.alert", log.Text, StringComparison.Ordinal);
        Assert.Contains("channel=webhook", log.Text, StringComparison.Ordinal);
        Assert.Contains("attempt=2 max_attempts=2", log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("attempt=3", log.Text, StringComparison.Ordinal);
        Assert.Equal(0, dispatcher.WebhookDelivered);
        var stored = Assert.Single(store.Alerts("alice@acme.example", 10));
        Assert.Contains("\"top_domains\":[{\"domain\":\"customer.example\",\"count\":3}]", stored.EvidenceJson, StringComparison.Ordinal);
    }
}
