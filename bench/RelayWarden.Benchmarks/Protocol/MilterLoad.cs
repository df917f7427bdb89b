using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RelayWarden.Benchmarks.Protocol;

/// <summary>
/// A Postfix-like milter load client: each conversation is a new connection carrying one message
/// (option negotiation, connect, macros, MAIL, RCPT, 8 headers, end of headers, end of message,
/// quit), as Postfix's smtpd does for one SMTP session. Prints conversations/second and, with
/// --pid, the server's own CPU per conversation (from /proc).
/// </summary>
/// <remarks>Usage: <c>milter-load --target 127.0.0.1:8891 [--connections 20] [--messages 5000] [--pid PID]</c></remarks>
public static class MilterLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var target = IPEndPoint.Parse(Option(args, "--target") ?? "127.0.0.1:8891");
        int parallel = int.Parse(Option(args, "--connections") ?? "20", System.Globalization.CultureInfo.InvariantCulture);
        int messages = int.Parse(Option(args, "--messages") ?? "5000", System.Globalization.CultureInfo.InvariantCulture);
        int? pid = Option(args, "--pid") is { } p ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : null;

        long before = pid is { } id ? CpuTicks(id) : 0;
        var clock = Stopwatch.StartNew();
        int next = 0;
        var workers = Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= messages)
            {
                await ConversationAsync(target);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"milter-load: {messages} conversations, {parallel} in parallel: {messages / seconds:F0}/s");
        if (pid is { } server)
        {
            double ms = (CpuTicks(server) - before) * 1000.0 / 100 / messages;
            Console.WriteLine($"  server CPU {ms:F3} ms per conversation");
        }

        return 0;
    }

    private static readonly byte[][] s_headers =
    [
        Z("Received", " from mua.example by mx.example; Tue, 22 Apr 2025 10:00:00 +0000"),
        Z("From", " Alice <alice@bench.example>"),
        Z("To", " bob@customer.example"),
        Z("Subject", " Quarterly numbers"),
        Z("Date", " Tue, 22 Apr 2025 10:00:00 +0000"),
        Z("Message-ID", " <q1@bench.example>"),
        Z("MIME-Version", " 1.0"),
        Z("Content-Type", " text/plain; charset=utf-8"),
    ];

    private static async Task ConversationAsync(IPEndPoint target)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(target);
        byte[] optneg = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(optneg, 6);
        BinaryPrimitives.WriteUInt32BigEndian(optneg.AsSpan(4), 0x1FF);
        BinaryPrimitives.WriteUInt32BigEndian(optneg.AsSpan(8), 0x1FFFFF);
        await SendAsync(socket, (byte)'O', optneg);
        var reply = await ReadAsync(socket);
        uint protocol = BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(13)); // length(4) command(1) version(4) actions(4) protocol(4)
        bool noConnect = (protocol & 0x01) != 0;
        bool noReplyConnect = (protocol & 0x1000) != 0;
        bool noReplyMail = (protocol & 0x4000) != 0;
        bool noReplyHeader = (protocol & 0x80) != 0;

        if (!noConnect)
        {
            await SendAsync(socket, (byte)'D', [(byte)'C', .. Z("j", "mx.example", "{daemon_name}", "smtpd")]);
            await SendAsync(socket, (byte)'C', [.. Encoding.ASCII.GetBytes("mua.example\0"), (byte)'4', 0x30, 0x39, .. Encoding.ASCII.GetBytes("127.0.0.1\0")]);
            if (!noReplyConnect)
            {
                await ReadAsync(socket);
            }
        }

        await SendAsync(socket, (byte)'D', [(byte)'M', .. Z("i", "4Xk2", "{auth_authen}", "", "{client_addr}", "127.0.0.1")]);
        if (noReplyMail)
        {
            await SendAsync(socket, (byte)'M', Z("<alice@bench.example>"));
        }
        else
        {
            await AskAsync(socket, (byte)'M', Z("<alice@bench.example>"));
        }

        await AskAsync(socket, (byte)'R', Z("<bob@customer.example>"));
        foreach (var header in s_headers)
        {
            await SendAsync(socket, (byte)'L', header);
            if (!noReplyHeader)
            {
                await ReadAsync(socket);
            }
        }

        await AskAsync(socket, (byte)'N', []);
        await AskAsync(socket, (byte)'E', []);
        await SendAsync(socket, (byte)'Q', []);
    }

    private static async Task AskAsync(Socket socket, byte command, byte[] data)
    {
        await SendAsync(socket, command, data);
        var reply = await ReadAsync(socket);
        if (reply[4] is not ((byte)'c' or (byte)'a'))
        {
            throw new InvalidOperationException($"unexpected milter reply '{(char)reply[4]}' to '{(char)command}'");
        }
    }

    private static async Task SendAsync(Socket socket, byte command, byte[] data)
    {
        byte[] packet = new byte[5 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + data.Length));
        packet[4] = command;
        data.CopyTo(packet, 5);
        await socket.SendAsync(packet);
    }

    private static async Task<byte[]> ReadAsync(Socket socket)
    {
        byte[] header = new byte[4];
        await ReadExactlyAsync(socket, header);
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(header);
        byte[] packet = new byte[4 + length];
        header.CopyTo(packet, 0);
        await ReadExactlyAsync(socket, packet.AsMemory(4));
        return packet;
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = await socket.ReceiveAsync(buffer);
            if (n == 0)
            {
                throw new IOException("milter closed the connection");
            }

            buffer = buffer[n..];
        }
    }

    private static byte[] Z(params string[] parts) => Encoding.UTF8.GetBytes(string.Concat(parts.Select(p => p + "\0")));

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
