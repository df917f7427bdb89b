using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Milter;

namespace RelayWarden.Conformance.Tests;

/// <summary>
/// A real Postfix (Debian package) on loopback whose smtpd_milters and check_policy_service point at
/// a RelayWarden milter and policy server started here, relaying to Postfix's smtp-sink. Three
/// smtpd ports: <see cref="BothPort"/> (milter + policy), <see cref="MilterPort"/> (milter only),
/// <see cref="PolicyPort"/> (policy only). Clients present addresses and logins with XCLIENT.
/// </summary>
public sealed class PostfixFixture : IAsyncLifetime
{
    private Process? _sink;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"rw-postfix-{Guid.NewGuid():N}"[..24]);

    public string ConfigPath => Path.Combine(AppContext.BaseDirectory, "examples", "quickstart.yaml");

    public int BothPort { get; private set; }

    public int MilterPort => BothPort + 1;

    public int PolicyPort => BothPort + 2;

    public const string MonitorHeaderName = "X-RelayWarden-Monitor";

    public string SinkDirectory => Path.Combine(Directory, "sink");

    public string MaillogPath => Path.Combine(Directory, "maillog");

    public MilterServer Milter { get; private set; } = null!;

    public RelayWarden.Policy.PolicyServer Policy { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var config = ConfigLoader.LoadFile(ConfigPath);
        // One rule in monitor mode (an envelope sender in a domain no tenant owns is let through and
        // marked) for the monitor-header scenario; the quickstart's other rules as they are.
        var policy = config.Policy with
        {
            RuleActions = new Dictionary<string, RuleAction>(config.Policy.RuleActions) { [RuleIds.EnvelopeExternal] = RuleAction.Monitor },
            MonitorHeader = MonitorHeaderName,
        };
        var engine = new SenderAuthorization(config.Directory, config.Blocklist, policy, TimeProvider.System);
        Milter = new MilterServer("inet:127.0.0.1:0", () => engine, MilterLimits.Default, NullLogger.Instance);
        Milter.Start();
        Policy = new RelayWarden.Policy.PolicyServer(new IPEndPoint(IPAddress.Loopback, 0), new RelayWarden.Policy.PolicyDecider(() => engine), RelayWarden.Policy.PolicyLimits.Default, NullLogger.Instance);
        Policy.Start();

        System.IO.Directory.CreateDirectory(SinkDirectory);
        Run("chown", "postfix", SinkDirectory);
        int sinkPort = FreePort();
        _sink = Process.Start(new ProcessStartInfo("smtp-sink", ["-u", "postfix", "-d", Path.Combine(SinkDirectory, "%H%M%S."), $"127.0.0.1:{sinkPort}", "100"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("smtp-sink did not start");

        // The four ports are free when probed, but another program may take one before Postfix binds
        // it (other tests and benchmarks open thousands of connections): then try another run.
        string script = Path.Combine(AppContext.BaseDirectory, "postfix-instance.sh");
        for (int attempt = 1; ; attempt++)
        {
            BothPort = FreePortRun(4);
            var (code, output) = await RunAsync("bash", script, "start", Directory, BothPort.ToString(), sinkPort.ToString(), Milter.Address, $"inet:{Policy.LocalEndPoint}");
            if (code == 0)
            {
                return;
            }

            await RunAsync("bash", script, "stop", Directory);
            if (attempt == 3)
            {
                throw new InvalidOperationException($"the private Postfix did not start (3 attempts): {output}");
            }
        }
    }

    public async Task DisposeAsync()
    {
        await RunAsync("bash", Path.Combine(AppContext.BaseDirectory, "postfix-instance.sh"), "stop", Directory);
        if (_sink is { HasExited: false })
        {
            _sink.Kill(entireProcessTree: true);
        }

        await Milter.DisposeAsync();
        await Policy.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Sends with swaks through XCLIENT; returns swaks's exit code and transcript.</summary>
    public Task<(int Code, string Output)> SwaksAsync(int port, string clientIp, string? login, string mailFrom, string rcpt, string? messageFile = null, params string[] extra)
    {
        var args = new List<string>
        {
            "--server", $"127.0.0.1:{port}", "--from", mailFrom.Length == 0 ? "<>" : mailFrom, "--to", rcpt, "--timeout", "20",
            "--xclient", login is null ? $"ADDR={clientIp}" : $"ADDR={clientIp} LOGIN={login}",
        };
        if (messageFile is not null)
        {
            args.AddRange(["--data", messageFile]);
        }

        args.AddRange(extra);

        return RunAsync("swaks", [.. args]);
    }

    /// <summary>
    /// The first 4xx/5xx reply line swaks received, e.g. "550 5.7.1 ...", or null. Postfix puts
    /// "&lt;rcpt&gt;: Recipient address rejected: " before a policy service's text; that part is
    /// Postfix's, so it is removed to compare our reply.
    /// </summary>
    public static string? Refusal(string transcript)
    {
        foreach (var line in transcript.Split('\n'))
        {
            string trimmed = line.TrimEnd('\r');
            if (trimmed.StartsWith("<** ", StringComparison.Ordinal))
            {
                string reply = trimmed[4..];
                int rejected = reply.IndexOf(": Recipient address rejected: ", StringComparison.Ordinal);
                if (rejected > 0 && reply.Length > 10)
                {
                    reply = reply[..10] + reply[(rejected + ": Recipient address rejected: ".Length)..];
                }

                return reply;
            }
        }

        return null;
    }

    /// <summary>Waits until a file in the sink holds <paramref name="marker"/>.</summary>
    public async Task<string?> WaitForSinkAsync(string marker, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var file in System.IO.Directory.GetFiles(SinkDirectory))
            {
                string text = await File.ReadAllTextAsync(file);
                if (text.Contains(marker, StringComparison.Ordinal))
                {
                    return text;
                }
            }

            await Task.Delay(100);
        }

        return null;
    }

    public static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args)) ?? throw new InvalidOperationException(file);
        process.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A base port with <paramref name="count"/> free consecutive ports.</summary>
    private static int FreePortRun(int count)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int start = Random.Shared.Next(20000, 40000);
            var listeners = new List<TcpListener>();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, start + i);
                    listener.Start();
                    listeners.Add(listener);
                }

                return start;
            }
            catch (SocketException)
            {
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }

        throw new InvalidOperationException("no free port run");
    }
}
