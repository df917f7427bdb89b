using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RelayWarden.Benchmarks.Protocol;

/// <summary>
/// A paced SMTP load: N sessions in parallel, one message per session (as smtp-source sends them),
/// started on a fixed schedule of R messages/second (open loop: a late message starts at once, at
/// most N at a time). Every message is timed from the final CRLF.CRLF to the reply, so the
/// end-of-DATA latency is measured at a given load instead of at saturation. Prints the achieved
/// rate and the latency percentiles.
/// </summary>
/// <remarks>
/// Usage: <c>smtp-load --target 127.0.0.1:2525 [--rate 500] [--seconds 10] [--sessions 20]
/// [--size 4096] [--from a@b] [--to c@d]</c>. <c>--rate 0</c> sends as fast as the sessions go.
/// </remarks>
public static class SmtpLoad
{
    public static int Run(string[] args)
    {
        var target = IPEndPoint.Parse(Option(args, "--target") ?? throw new ArgumentException("smtp-load: --target HOST:PORT is required"));
        double rate = double.Parse(Option(args, "--rate") ?? "0", CultureInfo.InvariantCulture);
        double seconds = double.Parse(Option(args, "--seconds") ?? "10", CultureInfo.InvariantCulture);
        int sessions = int.Parse(Option(args, "--sessions") ?? "20", CultureInfo.InvariantCulture);
        int size = int.Parse(Option(args, "--size") ?? "4096", CultureInfo.InvariantCulture);
        string from = Option(args, "--from") ?? "alice@acme.example";
        string to = Option(args, "--to") ?? "bob@customer.example";

        byte[] body = Body(from, to, size);
        long total = rate > 0 ? (long)(rate * seconds) : long.MaxValue;
        long next = -1;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var latencies = new List<double>[sessions];
        int failures = 0;
        string? firstFailure = null;
        var threads = new Thread[sessions];
        for (int s = 0; s < sessions; s++)
        {
            var mine = latencies[s] = new List<double>(1 << 14);
            threads[s] = new Thread(() =>
            {
                var buffer = new byte[4096];
                while (true)
                {
                    long index = Interlocked.Increment(ref next);
                    if (index >= total || clock.Elapsed >= deadline)
                    {
                        return;
                    }

                    if (rate > 0)
                    {
                        var due = TimeSpan.FromSeconds(index / rate);
                        var wait = due - clock.Elapsed;
                        if (wait > TimeSpan.Zero)
                        {
                            Thread.Sleep(wait);
                        }
                    }

                    try
                    {
                        mine.Add(Send(target, from, to, body, buffer));
                    }
                    catch (Exception exception) when (exception is IOException or SocketException or InvalidDataException)
                    {
                        if (Interlocked.Increment(ref failures) == 1)
                        {
                            firstFailure = exception.Message;
                        }
                    }
                }
            })
            { IsBackground = true, Name = $"smtp-load-{s}" };
            threads[s].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        double elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double P(double q) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(q * all.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"smtp-load: {sessions} sessions, target {(rate > 0 ? $"{rate:F0} msgs/s" : "as fast as possible")}, {elapsed:F1} s, {all.Length} messages, {failures} failed{(firstFailure is null ? "" : $" (first: {firstFailure})")}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {all.Length / elapsed:F0} msgs/s   end of DATA to reply: p50 {P(0.50):F2} ms   p99 {P(0.99):F2} ms   p99.9 {P(0.999):F2} ms   max {all.LastOrDefault():F2} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"result {all.Length / elapsed:F0} {P(0.50):F3} {P(0.99):F3} {P(0.999):F3} {failures}"));
        return failures == 0 ? 0 : 1;
    }

    // One session, one message: returns the milliseconds from the final dot to the reply.
    private static double Send(IPEndPoint target, string from, string to, byte[] body, byte[] buffer)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(target);
        int filled = 0;
        Expect(socket, buffer, ref filled, '2');
        Command(socket, buffer, ref filled, "EHLO load.example\r\n", '2');
        Command(socket, buffer, ref filled, $"MAIL FROM:<{from}>\r\n", '2');
        Command(socket, buffer, ref filled, $"RCPT TO:<{to}>\r\n", '2');
        Command(socket, buffer, ref filled, "DATA\r\n", '3');
        socket.Send(body);
        long started = Stopwatch.GetTimestamp();
        socket.Send(".\r\n"u8);
        Expect(socket, buffer, ref filled, '2');
        double milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Command(socket, buffer, ref filled, "QUIT\r\n", '2');
        return milliseconds;
    }

    private static void Command(Socket socket, byte[] buffer, ref int filled, string line, char expected)
    {
        socket.Send(Encoding.ASCII.GetBytes(line));
        Expect(socket, buffer, ref filled, expected);
    }

    // Reads one whole reply (multi-line: until "NNN "); throws unless its code starts with `expected`.
    private static void Expect(Socket socket, byte[] buffer, ref int filled, char expected)
    {
        while (true)
        {
            int start = 0;
            for (int i = 0; i < filled; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                bool last = i - start >= 4 && buffer[start + 3] == (byte)' ';
                if (last)
                {
                    char code = (char)buffer[start];
                    string text = Encoding.ASCII.GetString(buffer, start, i - start).TrimEnd();
                    Array.Copy(buffer, i + 1, buffer, 0, filled - i - 1);
                    filled -= i + 1;
                    if (code != expected)
                    {
                        throw new InvalidDataException($"unexpected reply: {text}");
                    }

                    return;
                }

                start = i + 1;
            }

            if (filled == buffer.Length)
            {
                throw new InvalidDataException("reply longer than the buffer");
            }

            int got = socket.Receive(buffer, filled, buffer.Length - filled, SocketFlags.None);
            if (got == 0)
            {
                throw new IOException("the server closed the connection");
            }

            filled += got;
        }
    }

    // A message of about `size` octets: headers and lines of 78 'X' (no dot-stuffing needed).
    private static byte[] Body(string from, string to, int size)
    {
        var text = new StringBuilder();
        text.Append("From: <").Append(from).Append(">\r\nTo: <").Append(to).Append(">\r\nSubject: smtp-load\r\n\r\n");
        while (text.Length < size)
        {
            text.Append('X', 78).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
