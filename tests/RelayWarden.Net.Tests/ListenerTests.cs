using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RelayWarden.Net;

namespace RelayWarden.Net.Tests;

/// <summary>
/// The door transports with a line protocol: each LF-terminated line is answered with <c>ok LINE</c>;
/// <c>big</c> is answered with 64 KiB; <c>close</c> closes after the answer. Each test runs on the
/// epoll event loops and, where the behaviour is the same, on the thread-per-connection fallback.
/// </summary>
public sealed class ListenerTests
{
    private const int BigAnswer = 64 * 1024;

    private sealed class LineSession(Recorder recorder) : IStreamSession
    {
        public int Received(StreamConnection connection, ReadOnlySpan<byte> input)
        {
            int consumed = 0;
            while (true)
            {
                int lf = input[consumed..].IndexOf((byte)'\n');
                if (lf < 0)
                {
                    return consumed;
                }

                var line = input.Slice(consumed, lf);
                consumed += lf + 1;
                Interlocked.Increment(ref recorder.Requests);
                if (line.SequenceEqual("big"u8))
                {
                    var span = connection.GetSpan(BigAnswer);
                    span[..(BigAnswer - 1)].Fill((byte)'b');
                    span[BigAnswer - 1] = (byte)'\n';
                    connection.Advance(BigAnswer);
                    continue;
                }

                connection.Write("ok "u8);
                connection.Write(line);
                connection.Write("\n"u8);
                if (line.SequenceEqual("close"u8))
                {
                    connection.Close();
                    return input.Length;
                }
            }
        }

        public void Closed(StreamConnection connection, StreamClose reason, int pending) => recorder.Closes.Enqueue((connection.Id, reason, pending));
    }

    private sealed class Recorder
    {
        public int Requests;

        public ConcurrentQueue<(long Id, StreamClose Reason, int Pending)> Closes { get; } = new();

        public async Task<StreamClose[]> WaitForCloses(int count)
        {
            var clock = Stopwatch.StartNew();
            while (Closes.Count < count && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(10);
            }

            return [.. Closes.Select(c => c.Reason)];
        }
    }

    private static (IDoorListener Listener, Recorder Recorder) Start(int loops, ListenerOptions? options = null, string address = "127.0.0.1:0")
    {
        var recorder = new Recorder();
        var listener = DoorListener.Create(address, "test", (options ?? new ListenerOptions()) with { EventLoops = loops }, NullLogger.Instance, _ => new LineSession(recorder));
        listener.Start();
        return (listener, recorder);
    }

    private static async Task<Socket> Connect(IDoorListener listener)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(listener.LocalEndPoint!);
        return socket;
    }

    private static async Task<string> ReadLine(Socket socket)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            int got;
            try
            {
                got = await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token);
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
            {
                got = 0; // closed with our unread data in its buffer: a reset
            }

            if (got == 0)
            {
                return bytes.Count == 0 ? "<closed>" : Encoding.ASCII.GetString([.. bytes]) + "<closed>";
            }

            if (one[0] == '\n')
            {
                return Encoding.ASCII.GetString([.. bytes]);
            }

            bytes.Add(one[0]);
        }
    }

    private static async Task<bool> IsClosedByServer(Socket socket, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[BigAnswer];
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // reset
        }
    }

    private static async Task<int> Settled(Func<int> value)
    {
        int last = value();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(300);
            int now = value();
            if (now == last)
            {
                return now;
            }

            last = now;
        }

        return last;
    }

    [Fact]
    public async Task Many_connections_on_one_loop_are_all_answered_interleaved()
    {
        var (listener, _) = Start(loops: 1);
        await using var _listener = listener;
        var sockets = new List<Socket>();
        for (int i = 0; i < 200; i++)
        {
            sockets.Add(await Connect(listener));
        }

        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < sockets.Count; i++)
            {
                await sockets[i].SendAsync(Encoding.ASCII.GetBytes($"c{i}r{round}\n"));
            }

            for (int i = sockets.Count - 1; i >= 0; i--)
            {
                Assert.Equal($"ok c{i}r{round}", await ReadLine(sockets[i]));
            }
        }

        Assert.Equal(200, listener.Connections);
        Assert.Equal([200], ((EventLoopListener)listener).ConnectionsPerLoop);
        sockets.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task Two_loops_share_the_connections()
    {
        var (listener, _) = Start(loops: 2);
        await using var _listener = listener;
        var sockets = new List<Socket>();
        for (int i = 0; i < 40; i++)
        {
            var socket = await Connect(listener);
            await socket.SendAsync("hi\n"u8.ToArray());
            Assert.Equal("ok hi", await ReadLine(socket));
            sockets.Add(socket);
        }

        var perLoop = ((EventLoopListener)listener).ConnectionsPerLoop;
        Assert.Equal(40, perLoop.Sum());
        Assert.Equal(2, perLoop.Length);
        sockets.ForEach(s => s.Dispose());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task Requests_split_across_reads_and_pipelined_requests_are_answered_in_order(int loops)
    {
        var (listener, _) = Start(loops, new ListenerOptions { InitialBuffer = 16 });
        await using var _listener = listener;
        using var socket = await Connect(listener);
        foreach (string part in new[] { "hel", "lo\nwor", "ld\nthree\nfo", "ur\n" })
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(part));
            await Task.Delay(30);
        }

        Assert.Equal("ok hello", await ReadLine(socket));
        Assert.Equal("ok world", await ReadLine(socket));
        Assert.Equal("ok three", await ReadLine(socket));
        Assert.Equal("ok four", await ReadLine(socket));

        // A line far longer than the initial buffer (16 octets): the buffer grows, byte by byte or at once.
        string longLine = new('x', 10_000);
        await socket.SendAsync(Encoding.ASCII.GetBytes(longLine[..5000]));
        await Task.Delay(30);
        await socket.SendAsync(Encoding.ASCII.GetBytes(longLine[5000..] + "\n"));
        Assert.Equal("ok " + longLine, await ReadLine(socket));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public async Task A_peer_that_never_reads_is_not_read_from_and_the_others_go_on(int loops)
    {
        var (listener, recorder) = Start(loops);
        await using var _listener = listener;
        using var stuck = await Connect(listener);
        using var other = await Connect(listener);

        // 2,000 requests of 64 KiB answers each (125 MiB) from a peer that reads nothing: far more than the socket buffers hold.
        byte[] requests = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("big\n", 2000)));
        using var sendTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        bool allSent = false;
        try
        {
            await stuck.SendAsync(requests, SocketFlags.None, sendTimeout.Token);
            allSent = true;
        }
        catch (OperationCanceledException)
        {
            // Our requests back up too: the server stopped reading them.
        }

        // The server answers until the socket buffers are full (they grow for a while), then stops reading.
        int handled = await Settled(() => Volatile.Read(ref recorder.Requests));
        Assert.InRange(handled, 1, 1999);

        // The other connection on the same loop is answered at once, repeatedly.
        for (int i = 0; i < 20; i++)
        {
            var clock = Stopwatch.StartNew();
            await other.SendAsync(Encoding.ASCII.GetBytes($"ping{i}\n"));
            Assert.Equal($"ping{i}".Insert(0, "ok "), await ReadLine(other));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"answer took {clock.Elapsed}");
        }

        Assert.InRange(Volatile.Read(ref recorder.Requests), handled + 20, 2019); // the stuck peer's requests still wait

        // Once the peer reads, it gets every answer, complete.
        if (!allSent)
        {
            return; // the kernel took only part of our requests; the count below needs them all
        }

        long expected = 2000L * BigAnswer;
        var buffer = new byte[1 << 20];
        long total = 0;
        using var readTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (total < expected)
            {
                int got = await stuck.ReceiveAsync(buffer, SocketFlags.None, readTimeout.Token);
                Assert.NotEqual(0, got);
                total += got;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"read {total} of {expected}; requests handled {recorder.Requests}");
        }

        Assert.Equal(expected, total);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task An_idle_connection_is_closed_and_an_active_one_is_kept(int loops)
    {
        var (listener, recorder) = Start(loops, new ListenerOptions { IdleTimeout = TimeSpan.FromMilliseconds(1500) });
        await using var _listener = listener;
        using var idle = await Connect(listener);
        using var active = await Connect(listener);
        var clock = Stopwatch.StartNew();
        var idleClosed = IsClosedByServer(idle, TimeSpan.FromSeconds(10));
        while (clock.Elapsed < TimeSpan.FromMilliseconds(3000))
        {
            await active.SendAsync("tick\n"u8.ToArray());
            Assert.Equal("ok tick", await ReadLine(active));
            await Task.Delay(100);
        }

        Assert.True(await idleClosed);
        Assert.Contains(StreamClose.Idle, await recorder.WaitForCloses(1));
        await active.SendAsync("still\n"u8.ToArray());
        Assert.True("ok still" == await ReadLine(active), string.Join(",", recorder.Closes));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task Connections_over_the_limit_are_closed_at_once(int loops)
    {
        var (listener, _) = Start(loops, new ListenerOptions { MaxConnections = 3 });
        await using var _listener = listener;
        var open = new List<Socket>();
        for (int i = 0; i < 3; i++)
        {
            var socket = await Connect(listener);
            await socket.SendAsync("hi\n"u8.ToArray());
            Assert.Equal("ok hi", await ReadLine(socket));
            open.Add(socket);
        }

        using (var refused = await Connect(listener))
        {
            Assert.True(await IsClosedByServer(refused, TimeSpan.FromSeconds(5)));
        }

        Assert.Equal(3, listener.Connections);
        open[0].Dispose();
        var clock = Stopwatch.StartNew();
        while (listener.Connections > 2 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }

        using var next = await Connect(listener);
        await next.SendAsync("again\n"u8.ToArray());
        Assert.Equal("ok again", await ReadLine(next));
        open.ForEach(s => s.Dispose());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task A_session_closes_its_connection_after_its_answer(int loops)
    {
        var (listener, recorder) = Start(loops);
        await using var _listener = listener;
        using var socket = await Connect(listener);
        await socket.SendAsync("one\nclose\nnever\n"u8.ToArray());
        Assert.Equal("ok one", await ReadLine(socket));
        Assert.Equal("ok close", await ReadLine(socket));
        Assert.Equal("<closed>", await ReadLine(socket));
        Assert.Equal([StreamClose.Requested], await recorder.WaitForCloses(1));
        Assert.Equal(2, recorder.Requests);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task Stop_closes_waiting_connections_refuses_new_ones_and_removes_nothing_else(int loops)
    {
        var (listener, recorder) = Start(loops);
        using var waiting = await Connect(listener);
        await waiting.SendAsync("hi\n"u8.ToArray());
        Assert.Equal("ok hi", await ReadLine(waiting));
        using var partial = await Connect(listener);
        await partial.SendAsync("half a li"u8.ToArray());
        await Task.Delay(50);
        var endpoint = listener.LocalEndPoint!;

        var clock = Stopwatch.StartNew();
        await listener.StopAsync(TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"stop took {clock.Elapsed}: waiting connections must not wait for the deadline");
        Assert.Equal("<closed>", await ReadLine(waiting));
        Assert.True(await IsClosedByServer(partial, TimeSpan.FromSeconds(2)));
        var reasons = await recorder.WaitForCloses(2);
        Assert.All(reasons, r => Assert.Equal(StreamClose.Stopping, r));
        Assert.Equal(0, listener.Connections);
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAnyAsync<SocketException>(async () => await late.ConnectAsync(endpoint));
        await listener.DisposeAsync();
    }

    [Fact]
    public async Task Stop_lets_answers_waiting_for_a_slow_reader_go_out_then_cuts_at_the_deadline()
    {
        var (listener, _) = Start(loops: 1);
        using var slow = await Connect(listener);
        using var never = await Connect(listener);
        byte[] requests = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("big\n", 64))); // 4 MiB of answers: more than the socket buffers hold
        await slow.SendAsync(requests);
        await never.SendAsync(requests);
        await Task.Delay(200); // both have answers the server could not send yet

        var stopping = listener.StopAsync(TimeSpan.FromSeconds(1.5));
        var clock = Stopwatch.StartNew();
        var buffer = new byte[BigAnswer];
        long total = 0;
        while (true)
        {
            int got = await slow.ReceiveAsync(buffer, SocketFlags.None);
            if (got == 0)
            {
                break;
            }

            total += got;
        }

        Assert.Equal(64L * BigAnswer, total); // every answer, then the close
        await stopping;
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)); // the one that never reads held the stop until the deadline
        Assert.Equal(0, listener.Connections);
        Assert.True(await IsClosedByServer(never, TimeSpan.FromSeconds(5)));
        await listener.DisposeAsync();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task A_unix_socket_is_served_and_its_file_removed_at_stop(int loops)
    {
        string folder = Directory.CreateTempSubdirectory("rw-net-tests.").FullName;
        string path = Path.Combine(folder, "door.sock");
        try
        {
            var (listener, _) = Start(loops, address: $"unix:{path}");
            Assert.Equal($"unix:{path}", listener.Address);
            Assert.Null(listener.LocalEndPoint);
            using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
                await socket.SendAsync("over unix\nand again\n"u8.ToArray());
                Assert.Equal("ok over unix", await ReadLine(socket));
                Assert.Equal("ok and again", await ReadLine(socket));
            }

            await listener.StopAsync(TimeSpan.FromSeconds(2));
            Assert.False(File.Exists(path));
            await listener.DisposeAsync();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_default_is_the_event_loop_on_linux()
    {
        var (listener, _) = Start(ListenerOptions.DefaultEventLoops);
        await using var _listener = listener;
        Assert.Equal(OperatingSystem.IsLinux(), listener is EventLoopListener);
        Assert.Equal(OperatingSystem.IsLinux() ? 1 : 0, ListenerOptions.DefaultEventLoops);
    }
}
