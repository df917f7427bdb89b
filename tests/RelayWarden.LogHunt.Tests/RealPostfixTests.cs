using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RelayWarden.Core.Monitor;
using RelayWarden.LogHunt.Hunting;
using RelayWarden.LogHunt.Reading;
using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Tests;

/// <summary>
/// The log of a real Postfix (Debian package, private instance from postfix-instance.sh, no milter or policy),
/// relaying to smtp-sink; mail sent with swaks through XCLIENT (ADDR, LOGIN). Skipped when Postfix, swaks or
/// smtp-sink are missing or the tests do not run as root (the instance needs it).
/// </summary>
public sealed class RealPostfixTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"rw-hunt-pf-{Guid.NewGuid():N}"[..22]);
    private Process? _sink;
    private int _port;
    private bool _available;

    private string Maillog => Path.Combine(_directory, "maillog");

    public async Task InitializeAsync()
    {
        _available = Environment.UserName == "root" && new[] { "/usr/sbin/postfix", "/usr/bin/swaks", "/usr/sbin/smtp-sink" }.All(File.Exists);
        if (!_available)
        {
            return;
        }

        Directory.CreateDirectory(Path.Combine(_directory, "sink"));
        int sinkPort = FreePort();
        _sink = Process.Start(new ProcessStartInfo("smtp-sink", ["-u", "postfix", $"127.0.0.1:{sinkPort}", "100"]) { RedirectStandardOutput = true, RedirectStandardError = true });
        for (int attempt = 0; ; attempt++)
        {
            _port = Random.Shared.Next(20000, 40000);
            var (code, output) = await RunAsync("bash", Path.Combine(AppContext.BaseDirectory, "postfix-instance.sh"), "start", _directory, _port.ToString(), sinkPort.ToString(), "-", "-",
                "header_checks = regexp:{{/^Subject:/ WARN}, {/^From:/ WARN}}",
                "smtpd_recipient_restrictions = check_recipient_access inline:{ blocked@blocked.example=REJECT }, permit");
            if (code == 0)
            {
                break;
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"the private Postfix did not start: {output}");
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (!_available)
        {
            return;
        }

        await RunAsync("bash", Path.Combine(AppContext.BaseDirectory, "postfix-instance.sh"), "stop", _directory);
        if (_sink is { HasExited: false })
        {
            _sink.Kill(entireProcessTree: true);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_real_postfix_log_joins_and_its_blasting_account_is_flagged()
    {
        if (!_available)
        {
            return;
        }

        int port = _port + 3; // Postfix alone: no milter, no policy.
        var (code, output) = await Swaks(port, "ADDR=10.1.2.3 LOGIN=alice", "alice@uni.example", "bob@ext.example,carol@other.example", "Subject: quarterly report");
        Assert.True(code == 0, output);
        (code, output) = await Swaks(port, "ADDR=198.51.100.7", "news@list.example", "alice@uni.example", "Subject: newsletter");
        Assert.True(code == 0, output);
        (code, output) = await Swaks(port, "ADDR=10.1.2.4 LOGIN=carol", "carol@uni.example", "blocked@blocked.example", "Subject: never queued");
        Assert.NotEqual(0, code);
        string many = string.Join(',', Enumerable.Range(0, 250).Select(i => $"victim{i}@d{i}.example"));
        (code, output) = await Swaks(port, "ADDR=185.220.101.9 LOGIN=mallory", "mallory@uni.example", many, "Subject: Invoice overdue");
        Assert.True(code == 0, output);

        // Wait until Postfix logged the three queued messages as removed.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && (await ReadLogAsync()).Split('\n').Count(l => l.EndsWith(": removed", StringComparison.Ordinal)) < 3)
        {
            await Task.Delay(200);
        }

        string log = await ReadLogAsync();
        var replay = new LogReplay { Year = DateTime.UtcNow.Year };
        var sink = new PostfixLog.Collector();
        var statistics = replay.Run([new LogInput(Maillog)], sink, () => Stream.Null);
        Assert.True(statistics.Garbled == 0, log);
        Assert.Equal(0, statistics.Unjoinable);

        var alice = Assert.Single(sink.Completed, r => r.Login == "alice");
        Assert.Equal(("10.1.2.3", "alice@uni.example", "quarterly report", 2), (alice.ClientIp, alice.Sender, alice.Subject, alice.RecipientCount));
        Assert.NotNull(alice.MessageId);
        Assert.True(alice.Size > 0);
        Assert.All(alice.Recipients, r => Assert.Equal((DeliveryStatus.Sent, "2.0.0"), (r.Status, r.Dsn)));
        Assert.Equal(["bob@ext.example", "carol@other.example"], alice.Recipients.Select(r => r.Address).Order());
        Assert.Contains(sink.Completed, r => r.Login is null && r.ClientIp == "198.51.100.7" && r.Subject == "newsletter");
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(("10.1.2.4", "blocked@blocked.example"), (reject.ClientIp, reject.Recipient));
        var mallory = Assert.Single(sink.Completed, r => r.Login == "mallory");
        Assert.Equal(250, mallory.Recipients.Count(r => r.Status == DeliveryStatus.Sent));

        // The hunt: mallory (250 new domains in one message; the distinct count is a sketch, 13% error, so well above 150) is flagged at the log line that completed the message.
        var hunter = new LogHunter(new HuntOptions());
        replay.Run([new LogInput(Maillog)], hunter, () => Stream.Null);
        var alert = Assert.Single(hunter.Alerts);
        Assert.Equal(("mallory", MonitorRuleIds.RcptDomainsVolume, "185.220.101.9"), (alert.Account, alert.Alert.Rule, alert.ClientIp));
        string lastDelivery = log.Split('\n').Last(l => l.Contains($"{mallory.QueueId}: to=<", StringComparison.Ordinal));
        var header = new RelayWarden.LogHunt.Parsing.SyslogHeader { FixedYear = DateTime.UtcNow.Year };
        Assert.True(header.TryParse(Encoding.UTF8.GetBytes(lastDelivery), out var line));
        Assert.Equal(line.Time, alert.DetectedAt);
        Assert.InRange(alert.Window.Domains, 200, 300);
    }

    private async Task<string> ReadLogAsync() => File.Exists(Maillog) ? Encoding.UTF8.GetString(await File.ReadAllBytesAsync(Maillog)) : string.Empty;

    private static Task<(int Code, string Output)> Swaks(int port, string xclient, string from, string to, string header) =>
        RunAsync("swaks", "--server", $"127.0.0.1:{port}", "--from", from, "--to", to, "--xclient", xclient, "--header", header, "--timeout", "30");

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
