using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Relay;
using RelayWarden.Smtp;

namespace RelayWarden.Benchmarks.Protocol;

/// <summary>
/// Load-independent costs of the MTA doors: one client thread with blocking sockets drives milter
/// conversations (one connection each, packets batched as Postfix writes them) and policy requests
/// (one persistent connection) one after the other, and the counts per conversation / request are
/// printed: bytes allocated by the server (the process's total minus the client thread's),
/// thread-pool work items, lock contentions. Without targets the server is a RelayHost started
/// in-process with the configuration of bench/mta.sh (milter, policy, behavior monitor counting);
/// with <c>--milter</c>/<c>--policy</c> it is only a client (for <c>strace -c -f -p</c> on a real
/// <c>relaywarden serve</c>).
/// </summary>
/// <remarks>Usage: <c>door-cost [--conversations 5000] [--requests 50000] [--milter 127.0.0.1:P --policy 127.0.0.1:P]</c></remarks>
public static class DoorCost
{
    public static async Task<int> RunAsync(string[] args)
    {
        int conversations = int.Parse(Option(args, "--conversations") ?? "5000", System.Globalization.CultureInfo.InvariantCulture);
        int requests = int.Parse(Option(args, "--requests") ?? "50000", System.Globalization.CultureInfo.InvariantCulture);
        string? milterTarget = Option(args, "--milter");
        string? policyTarget = Option(args, "--policy");
        RelayHost? host = null;
        string? dir = null;
        if (milterTarget is null && policyTarget is null)
        {
            dir = Directory.CreateTempSubdirectory("relaywarden-doorcost.").FullName;
            string yaml = $"""
                data_dir: {dir}/var
                listen:
                  milter: inet:127.0.0.1:0
                  policy: 127.0.0.1:0
                monitor:
                  disable: [monitor.messages.rate, monitor.new-account.volume, monitor.new-account.recipients, monitor.recipients.daily]
                tenants:
                  - id: bench
                    kind: paid
                    domains: [bench.example]
                    networks: [127.0.0.1/32]
                """;
            string path = Path.Combine(dir, "relaywarden.yaml");
            await File.WriteAllTextAsync(path, yaml);
            host = RelayHost.Start(ConfigLoader.LoadFile(path), RelayLog.Null);
            milterTarget = host.Doors.Milter!.Address[5..];
            policyTarget = host.Doors.Policy!.LocalEndPoint.ToString();
        }

        try
        {
            if (milterTarget is not null)
            {
                var target = IPEndPoint.Parse(milterTarget);
                Measure("milter", "conversation", conversations, host is not null, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        MilterConversation(target);
                    }
                });
            }

            if (policyTarget is not null)
            {
                var target = IPEndPoint.Parse(policyTarget);
                using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Connect(target);
                byte[] request = Encoding.ASCII.GetBytes(
                    "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=127.0.0.1\nclient_name=localhost\n" +
                    "reverse_client_name=localhost\nhelo_name=mua.example\nsender=alice@bench.example\nrecipient=bob@customer.example\nrecipient_count=0\nqueue_id=\n" +
                    "instance=a1.b2.c3.0\nsize=0\netrn_domain=\nstress=\nsasl_method=\nsasl_username=\nsasl_sender=\n" +
                    "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nencryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n\n");
                byte[] buffer = new byte[512];
                Measure("policy", "request", requests, host is not null, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        socket.Send(request);
                        int read = 0;
                        do
                        {
                            int got = socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
                            if (got == 0)
                            {
                                throw new IOException("policy server closed the connection");
                            }

                            read += got;
                        }
                        while (read < 2 || buffer[read - 1] != '\n' || buffer[read - 2] != '\n');
                        if (!buffer.AsSpan(0, read).StartsWith("action=DUNNO"u8))
                        {
                            throw new InvalidOperationException("unexpected answer: " + Encoding.ASCII.GetString(buffer, 0, read));
                        }
                    }
                });
            }
        }
        finally
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }

            if (dir is not null)
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return 0;
    }

    private static void Measure(string door, string unit, int count, bool inProcess, Action<int> run)
    {
        string? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                run(Math.Max(200, count / 5)); // warm-up: JIT tiers, pools
                Thread.Sleep(500);
                long allocated = GC.GetTotalAllocatedBytes(precise: true);
                long mine = GC.GetAllocatedBytesForCurrentThread();
                long items = ThreadPool.CompletedWorkItemCount;
                long contentions = System.Threading.Monitor.LockContentionCount;
                int gcs = GC.CollectionCount(0);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                run(count);
                double seconds = clock.Elapsed.TotalSeconds;
                Thread.Sleep(200); // let the last sessions finish their close
                long clientBytes = GC.GetAllocatedBytesForCurrentThread() - mine;
                long serverBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated - clientBytes;
                Console.WriteLine($"{door}: {count} {unit}s, one at a time, {count / seconds:F0}/s (wall clock: load-dependent)");
                if (inProcess)
                {
                    Console.WriteLine($"  server allocations   {(double)serverBytes / count:F0} B per {unit}");
                    Console.WriteLine($"  thread-pool items    {(double)(ThreadPool.CompletedWorkItemCount - items) / count:F2} per {unit}");
                    Console.WriteLine($"  lock contentions     {(double)(System.Threading.Monitor.LockContentionCount - contentions) / count:F3} per {unit}");
                    Console.WriteLine($"  gen0 GCs             {GC.CollectionCount(0) - gcs}");
                    Console.WriteLine($"  process CPU          {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / count:F1} µs per {unit} (client included)");
                }
            }
#pragma warning disable CA1031 // reported below
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failure = exception.ToString();
            }
        })
        { IsBackground = true, Name = "door-cost client" };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException(failure);
        }
    }

    private static readonly byte[] s_optneg = Packet('O', [0, 0, 0, 6, 0, 0, 0x01, 0xFF, 0, 0x1F, 0xFF, 0xFF]);

    // As Postfix's smtpd and cleanup write them to RelayWarden (milter8.c buffers the events that get
    // no reply and flushes when it reads a reply; RelayWarden negotiates no connect event, no reply to
    // MAIL or to each header, and its own macro lists): MAIL's macros + MAIL + RCPT's macros + RCPT
    // in one write, then the headers + end of headers from cleanup, and QUIT at the end.
    private static readonly byte[] s_mailRcpt = Concat(
        Packet('D', [(byte)'M', .. Z("i", "4Xk2Lq1xyz", "{auth_authen}", "", "{client_addr}", "127.0.0.1")]),
        Packet('M', Z("<alice@bench.example>")),
        Packet('D', [(byte)'R', .. Z("i", "4Xk2Lq1xyz")]),
        Packet('R', Z("<bob@customer.example>")));

    private static readonly byte[] s_headers = Concat(
        Packet('L', Z("Received", "from localhost (localhost [127.0.0.1])\n\tby mx.relaywarden.test (Postfix) with ESMTP id 4Xk2Lq1xyz\n\tfor <bob@customer.example>; Sun, 22 Nov 2026 23:59:00 +0000 (UTC)")),
        Packet('L', Z("From", "alice@bench.example")),
        Packet('L', Z("To", "bob@customer.example")),
        Packet('L', Z("Date", "Sun, 22 Nov 2026 23:59:00 +0000")),
        Packet('L', Z("Subject", "test")),
        Packet('L', Z("Message-Id", "<20261122235900.4Xk2Lq1xyz@mx.relaywarden.test>")),
        Packet('D', [(byte)'N', .. Z("i", "4Xk2Lq1xyz")]),
        Packet('N', []));

    private static readonly byte[] s_quit = Packet('Q', []);

    private static void MilterConversation(IPEndPoint target)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(target);
        Span<byte> reply = stackalloc byte[512]; // the negotiation reply carries the macro lists
        socket.Send(s_optneg);
        Expect(socket, reply, 'O');
        socket.Send(s_mailRcpt);
        Expect(socket, reply, 'c');
        socket.Send(s_headers);
        Expect(socket, reply, 'a');
        socket.Send(s_quit);
        socket.Shutdown(SocketShutdown.Send);
        if (socket.Receive(reply) != 0)
        {
            throw new InvalidOperationException("data after QUIT");
        }
    }

    private static void Expect(Socket socket, Span<byte> buffer, char command)
    {
        int read = 0;
        while (read < 5 || read < 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(buffer))
        {
            int got = socket.Receive(buffer[read..]);
            if (got == 0)
            {
                throw new IOException("milter closed the connection");
            }

            read += got;
        }

        if (buffer[4] != (byte)command)
        {
            throw new InvalidOperationException($"milter answered '{(char)buffer[4]}', expected '{command}'");
        }
    }

    private static byte[] Packet(char command, byte[] data)
    {
        byte[] packet = new byte[5 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + data.Length));
        packet[4] = (byte)command;
        data.CopyTo(packet, 5);
        return packet;
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static byte[] Z(params string[] parts) => Encoding.UTF8.GetBytes(string.Concat(parts.Select(p => p + "\0")));

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
