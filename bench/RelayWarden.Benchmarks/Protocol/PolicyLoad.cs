using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Policy;

namespace RelayWarden.Benchmarks.Protocol;

/// <summary>
/// A Postfix-like policy-delegation load client: N persistent connections, one outstanding request
/// each (as smtpd does), RCPT-stage requests from a mix of clients. Prints requests/second and
/// latency percentiles. Without --target it starts an in-process server on the quickstart config.
/// </summary>
/// <remarks>
/// Usage: <c>policy-load [--target 127.0.0.1:10040] [--connections 20] [--seconds 10] [--config FILE] [--blocking]</c>.
/// With <c>--blocking</c> each connection is a thread with blocking sockets, as each Postfix smtpd
/// process is; without it the connections are async tasks on the .NET thread pool, whose own
/// hand-offs then cost about as much CPU as the server on a 2-core machine.
/// </remarks>
public static class PolicyLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? target = Option(args, "--target");
        int connections = int.Parse(Option(args, "--connections") ?? "20", System.Globalization.CultureInfo.InvariantCulture);
        double seconds = double.Parse(Option(args, "--seconds") ?? "10", System.Globalization.CultureInfo.InvariantCulture);
        string config = Option(args, "--config") ?? "examples/quickstart.yaml";
        bool blocking = args.Contains("--blocking");
        int? pid = Option(args, "--pid") is { } p ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : null;

        PolicyServer? server = null;
        IPEndPoint endpoint;
        if (target is null)
        {
            var loaded = ConfigLoader.LoadFile(config);
            var engine = new SenderAuthorization(loaded.Directory, loaded.Blocklist, loaded.Policy, TimeProvider.System);
            server = new PolicyServer(new IPEndPoint(IPAddress.Loopback, 0), new PolicyDecider(() => engine), PolicyLimits.Default, NullLogger.Instance);
            server.Start();
            endpoint = server.LocalEndPoint;
        }
        else
        {
            endpoint = IPEndPoint.Parse(target);
        }

        // A realistic mix: authorized by network, by login, refused (unknown client, other tenant's sender).
        string[] requests =
        [
            Request("127.0.0.10", "alice@acme.example", "bob@customer.example", null),
            Request("203.0.113.5", "alice@acme.example", "carol@customer.example", "alice@acme.example"),
            Request("127.0.0.99", "alice@acme.example", "dave@customer.example", null),
            Request("127.0.0.10", "ceo@globex.example", "erin@customer.example", null),
        ];
        var payloads = requests.Select(Encoding.ASCII.GetBytes).ToArray();

        long cpuBefore = pid is { } watched ? CpuTicks(watched) : 0;
        var stop = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var latencies = new List<double>[connections];
        var tasks = new Task[connections];
        for (int c = 0; c < connections; c++)
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
                        int n = index;
                        while (stop.Elapsed < deadline)
                        {
                            long start = Stopwatch.GetTimestamp();
                            socket.Send(payloads[n++ % payloads.Length]);
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
                int n = index;
                while (stop.Elapsed < deadline)
                {
                    long start = Stopwatch.GetTimestamp();
                    await socket.SendAsync(payloads[n++ % payloads.Length]);
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
        Console.WriteLine($"policy-load: {connections} connections ({(blocking ? "blocking threads" : "async tasks")}), {elapsed:F1} s, {all.Length} requests");
        Console.WriteLine($"  {all.Length / elapsed:F0} requests/s   p50 {P(0.50):F3} ms   p99 {P(0.99):F3} ms   p99.9 {P(0.999):F3} ms   max {all.LastOrDefault():F3} ms");
        if (pid is { } measured && all.Length > 0)
        {
            Console.WriteLine($"  server CPU {(CpuTicks(measured) - cpuBefore) * 1e6 / 100 / all.Length:F1} µs per request");
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }

        return 0;
    }

    private static string Request(string client, string sender, string recipient, string? login) =>
        $"request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address={client}\nclient_name=unknown\n" +
        $"reverse_client_name=unknown\nhelo_name=mua.example\nsender={sender}\nrecipient={recipient}\nrecipient_count=0\nqueue_id=\n" +
        $"instance=a1.b2.c3.0\nsize=0\netrn_domain=\nstress=\nsasl_method={(login is null ? "" : "PLAIN")}\nsasl_username={login}\nsasl_sender=\n" +
        "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nencryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n\n";

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
