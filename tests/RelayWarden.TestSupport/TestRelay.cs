using System.Net;
using System.Text;
using RelayWarden.Core.Directory;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Relay;
using RelayWarden.Smtp;

namespace RelayWarden.TestSupport;

/// <summary>A real relay (RelayHost) on an ephemeral loopback port, with its own data folder and log.</summary>
public sealed class TestRelay : IAsyncDisposable
{
    /// <summary>Password of <c>relay-bot@acme.example</c> in test configurations.</summary>
    public const string Password = "correct horse battery staple";

    private static readonly string s_hash = PasswordHash.Hash(Password, 1000);

    private readonly ConcurrentStringWriter _log;

    private TestRelay(string folder, RelayHost host, ConcurrentStringWriter log)
    {
        Folder = folder;
        Host = host;
        _log = log;
    }

    public string Folder { get; }

    public RelayHost Host { get; }

    public IPEndPoint Endpoint => Host.SmtpEndpoint!;

    public string Log => _log.Text;

    public string Outbox => System.IO.Path.Combine(Folder, "outbox");

    /// <summary>A test configuration: the quickstart tenants, short timeouts, quick retries.</summary>
    public static string Config(string nextHop, string relayExtra = "", string listenExtra = "  smtp_auth_without_tls: true\n", string limits = "command_timeout: 2s, data_timeout: 2s, max_errors: 5", string tenantsExtra = "") => $$"""
        data_dir: data
        listen:
          smtp: 127.0.0.1:0
        {{listenExtra}}relay:
          next_hop: {{nextHop}}
          hostname: relay.test
          retry_initial: 200ms
          max_recipients: 5
          limits: {{{limits}}}
        {{relayExtra}}
        tenants:
          - id: acme
            kind: paid
            domains: [acme.example]
            networks: [127.0.0.10/32]
            external_from: true
            users:
              - login: alice@acme.example
                addresses: [alice@acme.example]
              - login: relay-bot@acme.example
                password_hash: "{{s_hash}}"
          - id: globex
            domains: [globex.example]
            networks: [127.0.0.20/32]
          - id: trial-7731
            kind: trial
            created_by: self
            domains: [trial-7731.example]
            networks: [127.0.0.30/32]
          - id: partner-trial
            kind: trial
            created_by: partner
            domains: [partner-trial.example]
            networks: [127.0.0.40/32]
        {{tenantsExtra}}
        """;

    public static Task<TestRelay> StartAsync(string nextHop = "outbox:outbox", string relayExtra = "", string listenExtra = "  smtp_auth_without_tls: true\n", string? limits = null, string topExtra = "", string tenantsExtra = "")
    {
        string folder = NewFolder();
        string path = System.IO.Path.Combine(folder, "relaywarden.yaml");
        File.WriteAllText(path, (limits is null ? Config(nextHop, relayExtra, listenExtra, tenantsExtra: tenantsExtra) : Config(nextHop, relayExtra, listenExtra, limits, tenantsExtra)) + "\n" + topExtra);
        var config = ConfigLoader.LoadFile(path);
        var log = new ConcurrentStringWriter();
        var host = RelayHost.Start(config, new RelayLog(log, TimeProvider.System));
        return Task.FromResult(new TestRelay(folder, host, log));
    }

    public static string NewFolder()
    {
        string folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rw-test-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Waits for a condition (delivery is asynchronous).</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
