using RelayWarden.TestSupport;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using RelayWarden.Smtp.Tests.Infrastructure;

namespace RelayWarden.Smtp.Tests.Server;

/// <summary>The real <c>relaywarden serve</c> process, killed with SIGKILL right after a 250: nothing accepted is lost.</summary>
public sealed partial class CrashRecoveryTests
{
    [GeneratedRegex(@"event=relay\.start smtp=127\.0\.0\.1:(\d+)")]
    private static partial Regex StartLine();

    [Fact]
    public async Task Message_acknowledged_before_SIGKILL_is_delivered_after_restart()
    {
        await using var sink = TestSink.Reserve(); // next hop down: the message can only be in the spool
        string folder = TestRelay.NewFolder();
        string config = Path.Combine(folder, "relaywarden.yaml");
        File.WriteAllText(config, TestRelay.Config($"smtp://127.0.0.1:{sink.Port}"));

        var (first, endpoint) = await StartServeAsync(config);
        try
        {
            using var client = await Clients.MailKitAsync(endpoint);
            string reply = await client.SendAsync(Clients.Message(body: "must survive\r\n"));
            first.Kill(); // SIGKILL, right after the 250
            Assert.Contains("queued as", reply, StringComparison.Ordinal);
        }
        finally
        {
            first.Kill();
            await first.WaitForExitAsync();
            first.Dispose();
        }

        sink.Start();
        var (second, _) = await StartServeAsync(config);
        try
        {
            var delivered = await sink.WaitForAsync(1, TimeSpan.FromSeconds(20));
            Assert.Contains("must survive", delivered[0].Text, StringComparison.Ordinal);
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync();
            second.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(Process Process, IPEndPoint Endpoint)> StartServeAsync(string config)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "relaywarden.dll");
        Assert.True(File.Exists(dll), dll);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in (string[])[dll, "serve", "--config", config])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                port.TrySetException(new InvalidOperationException("relaywarden serve exited: " + string.Join('\n', log)));
                return;
            }

            log.Enqueue(e.Data);
            if (StartLine().Match(e.Data) is { Success: true } match)
            {
                port.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.BeginErrorReadLine();
        int bound = await port.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return (process, new IPEndPoint(IPAddress.Loopback, bound));
    }
}
