using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RelayWarden.Net;

/// <summary>
/// The thread-per-connection transport of the protocol doors (the fallback where epoll is not
/// available, see <see cref="EventLoopListener"/>): binds a TCP or Unix socket, enforces the
/// connection limit, sets TCP_NODELAY, runs each connection as its own fault domain, feeding its
/// <see cref="IStreamSession"/> what each blocking read returns, and on stop closes the listener,
/// lets sessions finish their exchange until a deadline, then cuts them.
/// </summary>
/// <remarks>
/// These doors answer small requests one at a time, so each connection is served by one thread
/// with blocking I/O: the kernel wakes the reader directly. With
/// async sockets every exchange cost a failed receive, an epoll wake-up and a hand-off to a
/// thread-pool thread (futex wake-ups, context switches, pool threads spinning) — several times
/// the work of the exchange itself. Idle threads wait in <c>accept</c> on the listening socket
/// (the kernel wakes one per connection), and the thread that accepts a connection serves it, then
/// goes back to accepting: no hand-off between threads at all, and a new thread only when every
/// thread is busy. A thread costs its stack (committed as used); an idle server keeps at most
/// <see cref="MaxIdleThreads"/>.
/// </remarks>
public sealed class ConnectionListener : IDoorListener
{
    /// <summary>Most threads kept waiting in <c>accept</c>; more exit after their connection.</summary>
    public const int MaxIdleThreads = 32;

    private readonly Socket _socket;
    private readonly string _name;
    private readonly int _maxConnections;
    private readonly ListenerOptions _options;
    private readonly ILogger _logger;
    private readonly Func<StreamConnection, IStreamSession> _sessions;
    private readonly HashSet<BlockingConnection> _live = [];
    private readonly Lock _gate = new();
    private readonly string? _unixPath;
    private readonly TaskCompletionSource _acceptorsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;
    private int _acceptors; // threads in (or on their way into) accept
    private int _threads;   // threads alive
    private long _ids;
    private bool _started;
    private bool _stopped;
    private bool _stopRequested;

    /// <param name="address"><c>inet:ADDRESS:PORT</c>, <c>ADDRESS:PORT</c> or <c>unix:PATH</c>.</param>
    /// <param name="name">The door's name in log lines and thread names (<c>milter</c>, <c>policy</c>).</param>
    /// <param name="options">Connection limit and idle timeout.</param>
    /// <param name="logger">Where accept problems and unexpected session errors go.</param>
    /// <param name="sessions">Creates the session of a new connection; it runs on the connection's thread.</param>
    public ConnectionListener(string address, string name, ListenerOptions options, ILogger logger, Func<StreamConnection, IStreamSession> sessions)
    {
        ArgumentNullException.ThrowIfNull(options);
        _name = name;
        _options = options;
        _maxConnections = options.MaxConnections;
        _logger = logger;
        _sessions = sessions;
        _socket = ListenSocket.Bind(address, out _unixPath);
    }

    /// <summary>The bound TCP address (the real port after binding port 0), or null for a Unix socket.</summary>
    public IPEndPoint? LocalEndPoint => _socket.LocalEndPoint as IPEndPoint;

    /// <summary><c>inet:ADDRESS:PORT</c> or <c>unix:PATH</c>.</summary>
    public string Address => LocalEndPoint is { } ip ? $"inet:{ip}" : $"unix:{_unixPath}";

    /// <summary>Open connections.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>True once <see cref="StopAsync"/> began.</summary>
    internal bool IsStopping => Volatile.Read(ref _stopRequested);

    public void Start()
    {
        _socket.Listen(512);
        _started = true;
        Interlocked.Increment(ref _threads);
        Interlocked.Increment(ref _acceptors);
        StartThread();
        _logger.LogInformation("{Door}: listening on {Address}", _name, Address);
    }

    private void StartThread()
    {
        var thread = new Thread(Serve) { IsBackground = true, Name = $"rw-{_name}" };
        thread.UnsafeStart();
    }

    // One thread: accept a connection, serve it, accept again. Entered with _acceptors and
    // _threads already counting this thread.
    private void Serve()
    {
        try
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = _socket.Accept();
                }
                catch (Exception exception) when (exception is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    if (IsStopping || exception is ObjectDisposedException)
                    {
                        Interlocked.Decrement(ref _acceptors);
                        return;
                    }

                    _logger.LogWarning("{Door}: accept failed: {Error}", _name, (exception as SocketException)?.SocketErrorCode.ToString() ?? exception.Message);
                    Thread.Sleep(10); // e.g. out of file descriptors: do not spin
                    continue;
                }

                if (Interlocked.Decrement(ref _acceptors) == 0 && !IsStopping)
                {
                    // The last thread waiting in accept took this connection: another one takes its place.
                    Interlocked.Increment(ref _threads);
                    Interlocked.Increment(ref _acceptors);
                    StartThread();
                }

                ServeOne(client);
                if (IsStopping || Volatile.Read(ref _acceptors) >= MaxIdleThreads)
                {
                    return;
                }

                Interlocked.Increment(ref _acceptors);
                if (IsStopping)
                {
                    Interlocked.Decrement(ref _acceptors);
                    return;
                }
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _threads) == 0 && IsStopping)
            {
                _acceptorsDone.TrySetResult();
            }
        }
    }

    private void ServeOne(Socket client)
    {
        if (Interlocked.Increment(ref _connections) > _maxConnections)
        {
            Interlocked.Decrement(ref _connections);
            _logger.LogWarning("{Door}: connection refused: {Max} connections open", _name, _maxConnections);
            client.Dispose();
            return;
        }

        var connection = new BlockingConnection(client, Interlocked.Increment(ref _ids), this);
        try
        {
            if (client.AddressFamily != AddressFamily.Unix)
            {
                client.NoDelay = true; // small answers go out at once, never behind a delayed ACK
            }

            lock (_gate)
            {
                _live.Add(connection);
            }

            Converse(connection);
        }
#pragma warning disable CA1031 // The last line of defence of a connection's fault domain.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _logger.LogError(exception, "{Door}[{Session}]: internal error; closing", _name, connection.Id);
        }
        finally
        {
            lock (_gate)
            {
                _live.Remove(connection);
            }

            client.Dispose();
            Interlocked.Decrement(ref _connections);
        }
    }

    // Read what the peer sent, feed it to the session, send what it answered in one write, read again.
    private void Converse(BlockingConnection connection)
    {
        var socket = connection.Socket;
        var stream = new StreamConnection(connection.Id, () => SafePeer(socket), () => IsStopping);
        var session = _sessions(stream);
        byte[] input = System.Buffers.ArrayPool<byte>.Shared.Rent(_options.InitialBuffer);
        int start = 0;
        int end = 0;
        var reason = StreamClose.Requested;
        try
        {
            socket.ReceiveTimeout = (int)Math.Clamp(_options.IdleTimeout.TotalMilliseconds, 1, int.MaxValue);
            // A peer that reads none of our answers for as long is dropped too (else its blocking send
            // would hold this thread and its connection slot for ever).
            socket.SendTimeout = socket.ReceiveTimeout;
            while (true)
            {
                if (!connection.BeginRead())
                {
                    reason = StreamClose.Stopping;
                    break;
                }

                int received;
                try
                {
                    received = socket.Receive(input, end, input.Length - end, SocketFlags.None);
                }
                catch (SocketException exception) when (exception.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                    reason = IsStopping ? StreamClose.Stopping : StreamClose.Idle;
                    break;
                }
                finally
                {
                    connection.EndRead();
                }

                if (received == 0)
                {
                    reason = IsStopping ? StreamClose.Stopping : StreamClose.EndOfStream;
                    break;
                }

                end += received;
                start += session.Received(stream, input.AsSpan(start, end - start));
                while (stream.HasUnsent)
                {
                    stream.Sent(socket.Send(stream.Unsent, SocketFlags.None));
                }

                if (stream.QuickAckRequested)
                {
                    stream.QuickAckRequested = false;
                    if (!stream.CloseRequested)
                    {
                        QuickAck(socket); // nothing more comes on a connection that closes (the milter's QUIT)
                    }
                }

                if (stream.CloseRequested)
                {
                    break;
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (end == input.Length)
                {
                    // A partial request at the end of the buffer: move it to the front, or make room.
                    if (start > 0)
                    {
                        input.AsSpan(start, end - start).CopyTo(input);
                    }
                    else
                    {
                        byte[] larger = System.Buffers.ArrayPool<byte>.Shared.Rent(input.Length * 2);
                        input.AsSpan(start, end - start).CopyTo(larger);
                        System.Buffers.ArrayPool<byte>.Shared.Return(input);
                        input = larger;
                    }

                    end -= start;
                    start = 0;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            _logger.LogDebug("{Door}[{Session}]: connection lost: {Error}", _name, connection.Id, exception.Message);
            reason = StreamClose.Lost;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(input);
            stream.Release();
        }

        session.Closed(stream, reason, end - start);
    }

    private static System.Net.EndPoint? SafePeer(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    // Linux TCP_QUICKACK (netinet/tcp.h: IPPROTO_TCP 6, TCP_QUICKACK 12): sends a pending ACK at once.
    private static readonly byte[] s_one = BitConverter.GetBytes(1);

    private static void QuickAck(Socket socket)
    {
        if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 && OperatingSystem.IsLinux())
        {
            try
            {
                socket.SetRawSocketOption(6, 12, s_one);
            }
            catch (SocketException)
            {
                // Not supported here: correctness does not depend on it.
            }
        }
    }

    /// <summary>Stops accepting; sessions may finish their current exchange until <paramref name="drain"/>, then are cut.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Volatile.Write(ref _stopRequested, true);
        try
        {
            _socket.Shutdown(SocketShutdown.Both); // wakes every thread blocked in accept
        }
        catch (SocketException)
        {
            // Not listening (never started): nothing to wake.
        }

        _socket.Close();

        // Sessions waiting for their peer are woken now (their read returns 0); the others finish their
        // exchange and see the listener stopping before their next read. At the deadline the rest are cut.
        BlockingConnection[] live;
        lock (_gate)
        {
            live = [.. _live];
        }

        foreach (var connection in live)
        {
            connection.WakeIfReading();
        }

        if (_started)
        {
            await Task.WhenAny(_acceptorsDone.Task, Task.Delay(drain)).ConfigureAwait(false);
        }

        lock (_gate)
        {
            live = [.. _live];
        }

        foreach (var connection in live)
        {
            try
            {
                connection.Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // Closed meanwhile.
            }
        }

        if (_unixPath is not null && File.Exists(_unixPath))
        {
            File.Delete(_unixPath);
        }

        _logger.LogInformation("{Door}: stopped", _name);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        _socket.Dispose();
    }
}
