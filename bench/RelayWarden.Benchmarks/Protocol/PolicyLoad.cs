using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Relay;
using RelayWarden.Policy;
using RelayWarden.Smtp;

namespace RelayWarden.Benchmarks.Protocol;

/// <summary>
/// A Postfix-like policy-delegation load client: N persistent connections, one outstanding request
/// each (as smtpd does), RCPT-stage requests from a mix of clients. Prints requests/second and
/// latency percentiles. Without --target it starts an in-process server on the quickstart config.
/// </summary>
/// <remarks>
/// Usage: <c>policy-load [--target 127.0.0.1:10040] [--connections 20] [--seconds 10] [--config FILE] [--blocking | --loop] [--loops N]</c>.
/// With <c>--blocking</c> each connection is a thread with blocking sockets, as each Postfix smtpd
/// process is; without it the connections are async tasks on the .NET thread pool, whose own
/// hand-offs then cost about as much CPU as the server on a 2-core machine. With <c>--loop</c> one
/// thread drives every connection (non-blocking sockets, <c>poll</c>), so the client adds one thread
/// to schedule instead of twenty. Without <c>--target</c> the server is a RelayHost's policy door
/// with the behavior monitor counting (rules a synthetic load trips switched off, as bench/mta.sh).
/// </remarks>
public static partial class PolicyLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? target = Option(args, "--target");
        int connections = int.Parse(Option(args, "--connections") ?? "20", System.Globalization.CultureInfo.InvariantCulture);
        double seconds = double.Parse(Option(args, "--seconds") ?? "10", System.Globalization.CultureInfo.InvariantCulture);
        string config = Option(args, "--config") ?? "examples/quickstart.yaml";
        bool blocking = args.Contains("--blocking");
        bool loop = args.Contains("--loop");
        int? pid = Option(args, "--pid") is { } p ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : null;

        RelayHost? host = null;
        PolicyServer? server = null;
        string? dir = null;
        IPEndPoint endpoint;
        if (target is null)
        {
            // In process, the policy door of a RelayHost as `relaywarden serve` runs it: the shared
            // behavior monitor counts every message at END-OF-MESSAGE, with the rules such a synthetic
            // load trips by design switched off (as bench/mta.sh does).
            dir = Directory.CreateTempSubdirectory("relaywarden-policyload.").FullName;
            var loaded = ConfigLoader.LoadFile(config);
            var rules = loaded.Monitor.Rules.Where(r => !s_disabledRules.Contains(r.Id)).ToList();
            var hosted = new RelayWardenConfig
            {
                SourcePath = loaded.SourcePath,
                DataDir = Path.Combine(dir, "var"),
                Directory = loaded.Directory,
                Blocklist = loaded.Blocklist,
                Policy = loaded.Policy,
                Listen = new ListenOptions { Policy = new IPEndPoint(IPAddress.Loopback, 0) },
                Relay = loaded.Relay,
                Monitor = loaded.Monitor with { Rules = rules },
                Alerts = loaded.Alerts,
            };
            host = RelayHost.Start(hosted, RelayLog.Null);
            endpoint = host.Doors.Policy!.LocalEndPoint;
            if (Option(args, "--loops") is { } loops)
            {
                // The same decider and monitor, served by a policy door with this many event loops (0: a thread per connection).
                var limits = PolicyLimits.Default with { EventLoops = int.Parse(loops, System.Globalization.CultureInfo.InvariantCulture) };
                server = new PolicyServer(new IPEndPoint(IPAddress.Loopback, 0), new PolicyDecider(() => host.Engines.Current, host.Monitor, TimeProvider.System), limits, NullLogger.Instance);
                server.Start();
                endpoint = server.LocalEndPoint;
            }
        }
        else
        {
            endpoint = IPEndPoint.Parse(target);
        }

        // A realistic mix: authorized by network, by login, refused (unknown client, other tenant's sender);
        // each message is a RCPT request then END-OF-MESSAGE (where the monitor counts it), under its own
        // Postfix instance name (a connection reuses its names once their message is done).
        (string Client, string Sender, string Recipient, string? Login)[] mix =
        [
            ("127.0.0.10", "alice@acme.example", "bob@customer.example", null),
            ("203.0.113.5", "alice@acme.example", "carol@customer.example", "alice@acme.example"),
            ("127.0.0.99", "alice@acme.example", "dave@customer.example", null),
            ("127.0.0.10", "ceo@globex.example", "erin@customer.example", null),
        ];
        const int MessagesPerConnection = 32;
        var payloads = new byte[connections][][];
        for (int c = 0; c < connections; c++)
        {
            payloads[c] = new byte[2 * MessagesPerConnection][];
            for (int m = 0; m < MessagesPerConnection; m++)
            {
                var (client, sender, recipient, login) = mix[(c + m) % mix.Length];
                string instance = $"{c:x}.{m:x}.0";
                payloads[c][2 * m] = Encoding.ASCII.GetBytes(Request("RCPT", client, sender, recipient, login, instance));
                payloads[c][(2 * m) + 1] = Encoding.ASCII.GetBytes(Request("END-OF-MESSAGE", client, sender, "", login, instance));
            }
        }

        long cpuBefore = pid is { } watched ? CpuTicks(watched) : 0;
        using var gcTrace = GcTrace.StartIfAsked();
        int[] gcBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var pauseBefore = GC.GetTotalPauseDuration();
        var stop = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var latencies = new List<double>[connections];
        var tasks = new Task[connections];
        if (loop)
        {
            for (int c = 0; c < connections; c++)
            {
                latencies[c] = new List<double>(1 << 16);
            }

            var done = new TaskCompletionSource();
            new Thread(() =>
            {
                try
                {
                    RunLoop(endpoint, payloads, latencies, stop, deadline);
                    done.SetResult();
                }
#pragma warning disable CA1031 // handed to the awaiting task
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    done.SetException(exception);
                }
            })
            { IsBackground = true, Name = "policy-load loop" }.Start();
            Array.Fill(tasks, done.Task);
        }

        for (int c = 0; c < connections && !loop; c++)
        {
            int index = c;
            latencies[c] = new List<double>(1 << 16);
            if (blocking)
            {
                var done = new TaskCompletionSource();
                tasks[c] = done.Task;
                new Thread(() =>
                {
                    try
                    {
                        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                        socket.Connect(endpoint);
                        var buffer = new byte[256];
                        int n = 0;
                        while (stop.Elapsed < deadline)
                        {
                            long start = Stopwatch.GetTimestamp();
                            socket.Send(payloads[index][n++ % payloads[index].Length]);
                            int read = 0;
                            do
                            {
                                int got = socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
                                if (got == 0)
                                {
                                    throw new IOException("server closed the connection");
                                }

                                read += got;
                            }
                            while (read < 2 || buffer[read - 1] != '\n' || buffer[read - 2] != '\n');
                            latencies[index].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        }

                        done.SetResult();
                    }
#pragma warning disable CA1031 // handed to the awaiting task
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        done.SetException(exception);
                    }
                })
                { IsBackground = true }.Start();
                continue;
            }

            tasks[c] = Task.Run(async () =>
            {
                using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(endpoint);
                var buffer = new byte[256];
                int n = 0;
                while (stop.Elapsed < deadline)
                {
                    long start = Stopwatch.GetTimestamp();
                    await socket.SendAsync(payloads[index][n++ % payloads[index].Length]);
                    int read = 0;
                    while (true)
                    {
                        int got = await socket.ReceiveAsync(buffer.AsMemory(read));
                        if (got == 0)
                        {
                            throw new IOException("server closed the connection");
                        }

                        read += got;
                        if (read >= 2 && buffer[read - 1] == '\n' && buffer[read - 2] == '\n')
                        {
                            break;
                        }
                    }

                    latencies[index].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            });
        }

        await Task.WhenAll(tasks);
        double elapsed = stop.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double P(double q) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(q * all.Length))];
        Console.WriteLine($"policy-load: {connections} connections ({(loop ? "one event-loop thread" : blocking ? "blocking threads" : "async tasks")}), {elapsed:F1} s, {all.Length} requests");
        Console.WriteLine($"  {all.Length / elapsed:F0} requests/s   p50 {P(0.50):F3} ms   p99 {P(0.99):F3} ms   p99.9 {P(0.999):F3} ms   max {all.LastOrDefault():F3} ms");
        // Client and (in process) server share the process: its collections pause both.
        Console.WriteLine($"  GC in the process ({(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC: `relaywarden serve` runs the server GC, DOTNET_gcServer=1): {GC.CollectionCount(0) - gcBefore[0]} gen0 / {GC.CollectionCount(1) - gcBefore[1]} gen1 / {GC.CollectionCount(2) - gcBefore[2]} gen2 collections, {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms paused");
        if (gcTrace is not null)
        {
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            Console.WriteLine($"  heap {info.HeapSizeBytes / 1048576.0:F1} MB, promoted by the last collection {info.PromotedBytes / 1048576.0:F1} MB, gen2 {info.GenerationInfo[2].SizeAfterBytes / 1048576.0:F1} MB, LOH {info.GenerationInfo[3].SizeAfterBytes / 1048576.0:F1} MB");
        }

        gcTrace?.Print(Console.Out);
        if (pid is { } measured && all.Length > 0)
        {
            Console.WriteLine($"  server CPU {(CpuTicks(measured) - cpuBefore) * 1e6 / 100 / all.Length:F1} µs per request");
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }

        if (host is not null)
        {
            await host.DisposeAsync();
            Directory.Delete(dir!, recursive: true);
        }

        return 0;
    }

    private static readonly HashSet<string> s_disabledRules =
        ["monitor.messages.rate", "monitor.new-account.volume", "monitor.new-account.recipients", "monitor.recipients.daily"];

    private static string Request(string state, string client, string sender, string recipient, string? login, string instance) =>
        $"request=smtpd_access_policy\nprotocol_state={state}\nprotocol_name=ESMTP\nclient_address={client}\nclient_name=unknown\n" +
        $"reverse_client_name=unknown\nhelo_name=mua.example\nsender={sender}\nrecipient={recipient}\nrecipient_count=0\nqueue_id=\n" +
        $"instance={instance}\nsize=0\netrn_domain=\nstress=\nsasl_method={(login is null ? "" : "PLAIN")}\nsasl_username={login}\nsasl_sender=\n" +
        "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nencryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n\n";

    // One thread drives every connection: non-blocking sockets, poll(2) for the ones with an answer,
    // the next request sent as soon as the answer is complete. No client thread per connection, so
    // the client's own scheduling stays out of the measured tail on a 2-core machine.
    private static unsafe void RunLoop(IPEndPoint endpoint, byte[][][] payloads, List<double>[] latencies, Stopwatch stop, TimeSpan deadline)
    {
        int count = payloads.Length;
        var sockets = new Socket[count];
        var buffers = new byte[count][];
        var read = new int[count];
        var sent = new int[count];
        var started = new long[count];
        var fds = new PollFd[count];
        try
        {
            for (int c = 0; c < count; c++)
            {
                sockets[c] = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                sockets[c].Connect(endpoint);
                sockets[c].Blocking = false;
                buffers[c] = new byte[256];
                fds[c] = new PollFd { Fd = (int)sockets[c].SafeHandle.DangerousGetHandle(), Events = 1 }; // POLLIN
            }

            for (int c = 0; c < count; c++)
            {
                started[c] = Stopwatch.GetTimestamp();
                SendAll(sockets[c], payloads[c][sent[c]++ % payloads[c].Length]);
            }

            while (stop.Elapsed < deadline)
            {
                int ready;
                fixed (PollFd* pointer = fds)
                {
                    ready = Poll(pointer, (nuint)count, 100);
                }

                if (ready < 0)
                {
                    int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (errno == 4) // EINTR
                    {
                        continue;
                    }

                    throw new IOException($"poll failed: errno {errno}");
                }

                for (int c = 0; c < count && ready > 0; c++)
                {
                    if (fds[c].Revents == 0)
                    {
                        continue;
                    }

                    ready--;
                    fds[c].Revents = 0;
                    var buffer = buffers[c];
                    int got = sockets[c].Receive(buffer.AsSpan(read[c]), SocketFlags.None, out var error);
                    if (error == SocketError.WouldBlock)
                    {
                        continue;
                    }

                    if (error != SocketError.Success || got == 0)
                    {
                        throw new IOException($"server closed the connection ({error})");
                    }

                    read[c] += got;
                    int r = read[c];
                    if (r < 2 || buffer[r - 1] != '\n' || buffer[r - 2] != '\n')
                    {
                        continue;
                    }

                    long now = Stopwatch.GetTimestamp();
                    latencies[c].Add(Stopwatch.GetElapsedTime(started[c], now).TotalMilliseconds);
                    read[c] = 0;
                    started[c] = now;
                    SendAll(sockets[c], payloads[c][sent[c]++ % payloads[c].Length]);
                }
            }
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }
        }
    }

    // A request fits the socket buffer of an idle connection; a short write waits for room.
    private static void SendAll(Socket socket, byte[] data)
    {
        int offset = 0;
        while (offset < data.Length)
        {
            int sent = socket.Send(data.AsSpan(offset), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                Thread.Yield();
                continue;
            }

            if (error != SocketError.Success)
            {
                throw new IOException($"send failed: {error}");
            }

            offset += sent;
        }
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    private static long CpuTicks(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
