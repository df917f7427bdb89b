using RelayWarden.TestSupport;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RelayWarden.Cli;
using RelayWarden.Core.Control;
using RelayWarden.Smtp.Tests.Infrastructure;

namespace RelayWarden.Smtp.Tests.Server;

/// <summary>
/// Issue 4, enforcement through the relay: suspension (CLI and monitor), defer and hold from monitor
/// rules, blocklist entries with expiry added by the CLI while the relay runs, alert de-duplication,
/// and alert channels (webhook retried against a local listener, email through the relay's spool).
/// </summary>
public sealed class EnforcementTests
{
    private static readonly TimeSpan s_pickup = TimeSpan.FromSeconds(6); // the host polls the control store every 2 s.

    private static string ConfigPath(TestRelay relay) => Path.Combine(relay.Folder, "relaywarden.yaml");

    private static (int Exit, string Out, string Error) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.Run(args, stdout, stderr, () => new MemoryStream());
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Monitor(string when, string action) => $$"""
        monitor:
          default_rules: false
          rules:
            - id: monitor.test.rule
              when: "{{when}}"
              action: {{action}}
        """;

    private static async Task<RawSmtpClient> HelloAsync(TestRelay relay, string local = "127.0.0.10")
    {
        var client = await RawSmtpClient.ConnectAsync(relay.Endpoint, local);
        Assert.StartsWith("220 ", await client.ReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        return client;
    }

    /// <summary>One whole transaction; returns the reply to MAIL when it is not 250, else the reply at end of DATA.</summary>
    private static async Task<string> SendAsync(RawSmtpClient client, string from = "alice@acme.example", string to = "bob@customer.example", string subject = "Hello")
    {
        string mail = (await client.CommandAsync($"MAIL FROM:<{from}>"))!;
        if (!mail.StartsWith("250", StringComparison.Ordinal))
        {
            return mail;
        }

        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{to}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        string id = Guid.NewGuid().ToString("N");
        return (await client.CommandAsync($"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{id}@acme.example>\r\n\r\nHello.\r\n."))!;
    }

    [Fact]
    public async Task Suspended_login_is_refused_at_MAIL_with_550_5_7_1_until_account_resume()
    {
        await using var relay = await TestRelay.StartAsync();
        var suspend = Cli("account", "suspend", "--config", ConfigPath(relay), "relay-bot@acme.example", "--reason", "phished", "--by", "ops");
        Assert.True(suspend.Exit == 0, suspend.Error);
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.Engines.Current.Suspensions.Count == 1, s_pickup), relay.Log);

        using (var client = await HelloAsync(relay))
        {
            string auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0relay-bot@acme.example\0{TestRelay.Password}"));
            Assert.StartsWith("235", await client.CommandAsync($"AUTH PLAIN {auth}"));
            string reply = await SendAsync(client);
            Assert.StartsWith("550 5.7.1 ", reply);
            Assert.Contains("suspended", reply, StringComparison.OrdinalIgnoreCase);
        }

        // Another account of the same tenant is not affected.
        using (var client = await HelloAsync(relay))
        {
            Assert.StartsWith("250 ", await SendAsync(client));
        }

        var show = Cli("account", "show", "--config", ConfigPath(relay), "relay-bot@acme.example");
        Assert.Contains("suspended by ops", show.Out, StringComparison.Ordinal);
        Assert.Contains("account.suspend  by=ops  why=\"phished\"", show.Out, StringComparison.Ordinal);

        Assert.Equal(0, Cli("account", "resume", "--config", ConfigPath(relay), "relay-bot@acme.example", "--by", "ops").Exit);
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.Engines.Current.Suspensions.Count == 0, s_pickup), relay.Log);
        using (var client = await HelloAsync(relay))
        {
            string auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0relay-bot@acme.example\0{TestRelay.Password}"));
            Assert.StartsWith("235", await client.CommandAsync($"AUTH PLAIN {auth}"));
            Assert.StartsWith("250 ", await SendAsync(client));
        }

        Assert.Contains("account.resume", Cli("account", "show", "--config", ConfigPath(relay), "relay-bot@acme.example").Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Monitor_defer_rule_answers_451_after_the_threshold_and_alerts_once()
    {
        await using var relay = await TestRelay.StartAsync(topExtra: Monitor("messages.1m >= 3", "defer"));
        using var client = await HelloAsync(relay);
        Assert.StartsWith("250 ", await SendAsync(client));
        Assert.StartsWith("250 ", await SendAsync(client));
        Assert.StartsWith("451 4.7.1 ", await SendAsync(client));
        Assert.StartsWith("451 4.7.1 ", await SendAsync(client));

        // Stored with its evidence, de-duplicated per account and rule: two deferred messages, one alert.
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.Control.Alerts(null, 10).Count >= 1, TimeSpan.FromSeconds(5)), relay.Log);
        await Task.Delay(300);
        var alert = Assert.Single(relay.Host.Control.Alerts(null, 10));
        Assert.Equal("monitor.test.rule", alert.Rule);
        Assert.Equal("acme/127.0.0.10", alert.Key);
        using var evidence = JsonDocument.Parse(alert.EvidenceJson);
        Assert.True(evidence.RootElement.GetProperty("figures").GetProperty("messages.1m").GetDouble() >= 3);
        Assert.Equal("customer.example", evidence.RootElement.GetProperty("top_domains")[0].GetProperty("domain").GetString());
        Assert.NotEmpty(evidence.RootElement.GetProperty("sample_message_ids").EnumerateArray());
        Assert.NotEmpty(evidence.RootElement.GetProperty("subject_hashes").EnumerateArray());
        Assert.Contains("event=monitor.alert", relay.Log, StringComparison.Ordinal);
        Assert.Contains("monitor.test.rule", Cli("account", "show", "--config", ConfigPath(relay), "acme/127.0.0.10").Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probation_rule_defers_a_young_tenant_and_not_an_old_one()
    {
        string now = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        string old = DateTimeOffset.UtcNow.AddDays(-30).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        string tenants = $"""
              - id: newco
                created_at: {now}
                domains: [newco.example]
                networks: [127.0.0.50/32]
              - id: oldco
                created_at: {old}
                domains: [oldco.example]
                networks: [127.0.0.60/32]
            """;
        await using var relay = await TestRelay.StartAsync(topExtra: Monitor("account_age_hours < 48 and messages.1m >= 2", "defer"), tenantsExtra: tenants);
        using (var young = await HelloAsync(relay, "127.0.0.50"))
        {
            Assert.StartsWith("250 ", await SendAsync(young, from: "a@newco.example"));
            Assert.StartsWith("451 4.7.1 ", await SendAsync(young, from: "a@newco.example"));
        }

        using (var established = await HelloAsync(relay, "127.0.0.60"))
        {
            Assert.StartsWith("250 ", await SendAsync(established, from: "a@oldco.example"));
            Assert.StartsWith("250 ", await SendAsync(established, from: "a@oldco.example"));
        }
    }

    [Fact]
    public async Task Monitor_hold_rule_accepts_into_the_hold_folder_until_queue_release()
    {
        await using var relay = await TestRelay.StartAsync(topExtra: Monitor("messages.1m >= 1", "hold"));
        using var client = await HelloAsync(relay);
        Assert.StartsWith("250 ", await SendAsync(client));
        var held = Assert.Single(relay.Host.Spool.List(held: true));
        Assert.True(relay.Host.Spool.TryRead(held, out var envelope, out _, held: true));
        Assert.Equal("acme/127.0.0.10", envelope.Account);
        Assert.Empty(relay.Host.Spool.List());
        Assert.False(Directory.Exists(relay.Outbox) && Directory.GetFiles(relay.Outbox, "*.eml").Length > 0);

        // An operator releases it; the running relay delivers it.
        var release = Cli("queue", "release", "--config", ConfigPath(relay), held);
        Assert.True(release.Exit == 0, release.Error);
        Assert.True(await TestRelay.EventuallyAsync(() => Directory.Exists(relay.Outbox) && Directory.GetFiles(relay.Outbox, "*.eml").Length == 1, TimeSpan.FromSeconds(10)), relay.Log);
        Assert.Empty(relay.Host.Spool.List(held: true));
    }

    [Fact]
    public async Task Monitor_suspend_rule_persists_the_suspension_and_account_resume_lifts_it()
    {
        await using var relay = await TestRelay.StartAsync(topExtra: Monitor("messages.1m >= 2", "suspend"));
        using (var client = await HelloAsync(relay))
        {
            Assert.StartsWith("250 ", await SendAsync(client));
            Assert.StartsWith("550 5.7.1 ", await SendAsync(client));
            // From now on the engine refuses the account at MAIL.
            string mail = (await client.CommandAsync("MAIL FROM:<alice@acme.example>"))!;
            Assert.StartsWith("550 5.7.1 Account suspended", mail);
        }

        var suspension = relay.Host.Control.FindSuspension(SuspensionScope.Account, "acme/127.0.0.10");
        Assert.NotNull(suspension);
        Assert.Equal("monitor", suspension.By);
        Assert.Contains("monitor.test.rule", suspension.Why, StringComparison.Ordinal);

        Assert.Equal(0, Cli("account", "resume", "--config", ConfigPath(relay), "acme/127.0.0.10", "--reason", "false positive").Exit);
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.Engines.Current.Suspensions.Count == 0, s_pickup), relay.Log);
        using (var client = await HelloAsync(relay))
        {
            Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<alice@acme.example>"));
        }
    }

    [Theory]
    [InlineData("client_ip", "ip", "127.0.0.10/32", "127.0.0.10")]
    [InlineData("sender", "address", "alice@acme.example", "alice@acme.example")]
    public async Task Monitor_suspend_of_an_ip_or_sender_is_stored_as_a_block_and_removing_it_lifts_the_monitor(string scope, string kind, string stored, string cliValue)
    {
        string rules = $$"""
            monitor:
              default_rules: false
              rules:
                - id: monitor.test.rule
                  when: "messages.1m >= 2 and messages.1m <= 2"
                  action: suspend
                  scope: {{scope}}
            """;
        await using var relay = await TestRelay.StartAsync(topExtra: rules);
        using (var client = await HelloAsync(relay))
        {
            Assert.StartsWith("250 ", await SendAsync(client));
            Assert.StartsWith("550 5.7.1 ", await SendAsync(client));
        }

        var block = Assert.Single(relay.Host.Control.Blocks());
        Assert.Equal((kind, stored, "monitor"), (block.Kind.ToString().ToLowerInvariant(), block.Value, block.AddedBy));
        Assert.Contains("monitor.test.rule", block.Reason, StringComparison.Ordinal);
        Assert.True(await TestRelay.EventuallyAsync(() => !relay.Host.Engines.Current.Blocklist.IsEmpty, s_pickup), relay.Log);
        using (var client = await HelloAsync(relay))
        {
            Assert.StartsWith("550 5.7.1 ", await client.CommandAsync("MAIL FROM:<alice@acme.example>"));
        }

        var remove = Cli("block", "remove", "--config", ConfigPath(relay), "--kind", kind, cliValue, "--reason", "false positive");
        Assert.True(remove.Exit == 0, remove.Error);
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.Engines.Current.Blocklist.IsEmpty, s_pickup), relay.Log);
        using (var client = await HelloAsync(relay))
        {
            // Lifted in the monitor too: the third message gets through (the rule fires on the second message only).
            Assert.StartsWith("250 ", await SendAsync(client, subject: "after"));
        }
    }

    [Fact]
    public async Task Blocklist_entry_added_by_the_CLI_is_enforced_within_seconds_and_ends_at_its_expiry()
    {
        await using var relay = await TestRelay.StartAsync();
        var add = Cli("block", "add", "--config", ConfigPath(relay), "--kind", "ip", "127.0.0.10", "--expires", "7s", "--reason", "test");
        Assert.True(add.Exit == 0, add.Error);
        var expires = relay.Host.Control.Blocks().Single().ExpiresAt!.Value;
        Assert.True(await TestRelay.EventuallyAsync(() => !relay.Host.Engines.Current.Blocklist.IsEmpty, s_pickup), relay.Log);
        using (var client = await HelloAsync(relay))
        {
            Assert.StartsWith("550 5.7.1 ", await client.CommandAsync("MAIL FROM:<alice@acme.example>"));
        }

        var wait = expires - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        using (var client = await HelloAsync(relay))
        {
            Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<alice@acme.example>"));
        }

        Assert.Contains("expired=", Cli("block", "list", "--config", ConfigPath(relay)).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CLI_suspension_reaches_the_policy_door_of_the_same_host()
    {
        await using var relay = await TestRelay.StartAsync(listenExtra: "  smtp_auth_without_tls: true\n  policy: 127.0.0.1:0\n");
        var endpoint = relay.Host.Doors.Policy!.LocalEndPoint;
        string request = "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=127.0.0.10\nsender=alice@acme.example\n" +
            "recipient=bob@customer.example\nsasl_username=\ninstance=1.2.3\n\n";
        Assert.Equal("action=DUNNO", await PolicyAsync(endpoint, request));

        Assert.Equal(0, Cli("account", "suspend", "--config", ConfigPath(relay), "acme/127.0.0.10").Exit);
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.Engines.Current.Suspensions.Count == 1, s_pickup), relay.Log);
        Assert.Equal("action=550 5.7.1 Account suspended, contact your provider", await PolicyAsync(endpoint, request));
    }

    private static async Task<string> PolicyAsync(IPEndPoint endpoint, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var answer = new StringBuilder();
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!answer.ToString().EndsWith("\n\n", StringComparison.Ordinal))
        {
            int n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                break;
            }

            answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return answer.ToString().TrimEnd('\n');
    }

    [Fact]
    public async Task Webhook_is_retried_until_the_receiver_accepts_and_the_operators_get_an_email()
    {
        using var hook = new FlakyHttpReceiver(failures: 2);
        string alerts = $$"""
            alerts:
              webhook: { url: "http://127.0.0.1:{{hook.Port}}/alerts", timeout: 2s, max_attempts: 4, retry_initial: 50ms }
              email: { to: [ops@provider.example] }
            """;
        await using var relay = await TestRelay.StartAsync(topExtra: Monitor("messages.1m >= 1", "alert") + "\n" + alerts);
        using (var client = await HelloAsync(relay))
        {
            Assert.StartsWith("250 ", await SendAsync(client));
        }

        Assert.True(await TestRelay.EventuallyAsync(() => hook.Bodies.Count == 3, TimeSpan.FromSeconds(10)), relay.Log);
        using var body = JsonDocument.Parse(hook.Bodies[2]);
        Assert.Equal("monitor.test.rule", body.RootElement.GetProperty("rule").GetString());
        Assert.Equal("acme/127.0.0.10", body.RootElement.GetProperty("key").GetString());
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Log.Contains("event=alert.webhook", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), relay.Log);
        Assert.Contains("attempt=3", relay.Log, StringComparison.Ordinal);

        // The email goes through the relay's own queue to the next hop (the outbox here).
        Assert.True(await TestRelay.EventuallyAsync(() => Directory.Exists(relay.Outbox) && Directory.GetFiles(relay.Outbox, "*.eml")
            .Any(f => File.ReadAllText(f).Contains("[RelayWarden] medium alert monitor.test.rule", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)), relay.Log);
    }

    /// <summary>A minimal HTTP/1.1 receiver on 127.0.0.1: answers 503 to the first N requests, then 204.</summary>
    private sealed class FlakyHttpReceiver : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _bodies = [];
        private readonly int _failures;

        public FlakyHttpReceiver(int failures)
        {
            _failures = failures;
            _listener.Start();
            _ = Task.Run(AcceptLoopAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public IReadOnlyList<string> Bodies
        {
            get
            {
                lock (_bodies)
                {
                    return [.. _bodies];
                }
            }
        }

        private async Task AcceptLoopAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    using var stream = new NetworkStream(socket);
                    string body = await ReadRequestAsync(stream);
                    int n;
                    lock (_bodies)
                    {
                        _bodies.Add(body);
                        n = _bodies.Count;
                    }

                    string response = n <= _failures
                        ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        : "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
            }
        }

        private async Task<string> ReadRequestAsync(NetworkStream stream)
        {
            var data = new List<byte>();
            var buffer = new byte[8192];
            int headerEnd = -1, length = 0;
            while (true)
            {
                int n = await stream.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                data.AddRange(buffer.AsSpan(0, n));
                string text = Encoding.UTF8.GetString([.. data]);
                if (headerEnd < 0 && (headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    foreach (string line in text[..headerEnd].Split("\r\n"))
                    {
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        {
                            length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }
                }

                if (headerEnd >= 0 && data.Count >= headerEnd + 4 + length)
                {
                    return Encoding.UTF8.GetString(data.ToArray(), headerEnd + 4, length);
                }
            }

            return string.Empty;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
