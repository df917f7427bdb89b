using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RelayWarden.Net;

/// <summary>
/// The accept loop shared by the protocol doors that Postfix connects to (milter, policy
/// delegation): binds a TCP or Unix socket, enforces the connection limit, sets TCP_NODELAY, runs
/// each connection as its own task (its own fault domain), and on stop closes the listener, lets
/// sessions finish until a deadline, then cancels them. A door that answers small requests one at a
/// time (milter, policy) serves each connection on a parked thread with blocking I/O instead
/// (<see cref="BlockingConnection"/>): the kernel wakes the reader directly, with no thread-pool
/// hand-off per request.
/// </summary>
public sealed class ConnectionListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly string _name;
    private readonly int _maxConnections;
    private readonly ILogger _logger;
    private readonly Func<Socket, long, CancellationToken, Task>? _session;
    private readonly Action<BlockingConnection>? _blocking;
    private readonly SessionThreads? _threads;
    private readonly HashSet<BlockingConnection> _live = [];
    private readonly Action<object?> _runBlocking;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _sessions = [];
    private readonly Lock _gate = new();
    private readonly string? _unixPath;
    private Task? _acceptLoop;
    private int _connections;
    private long _ids;
    private bool _stopped;
    private bool _stopRequested;

    /// <param name="address"><c>inet:ADDRESS:PORT</c>, <c>ADDRESS:PORT</c> or <c>unix:PATH</c>.</param>
    /// <param name="name">The door's name in log lines (<c>milter</c>, <c>policy</c>).</param>
    /// <param name="maxConnections">Connections beyond this are closed at once.</param>
    /// <param name="logger">Where accept problems and unexpected session errors go.</param>
    /// <param name="session">Runs one connection; must catch its own errors. The socket is disposed after it returns.</param>
    public ConnectionListener(string address, string name, int maxConnections, ILogger logger, Func<Socket, long, CancellationToken, Task> session)
        : this(address, name, maxConnections, logger)
    {
        _session = session;
    }

    /// <summary>A listener whose connections each run on a parked thread with blocking I/O.</summary>
    /// <param name="address"><c>inet:ADDRESS:PORT</c>, <c>ADDRESS:PORT</c> or <c>unix:PATH</c>.</param>
    /// <param name="name">The door's name in log lines and thread names.</param>
    /// <param name="maxConnections">Connections beyond this are closed at once.</param>
    /// <param name="logger">Where accept problems and unexpected session errors go.</param>
    /// <param name="session">Runs one connection; must catch its own errors. The socket is disposed after it returns.</param>
    public ConnectionListener(string address, string name, int maxConnections, ILogger logger, Action<BlockingConnection> session)
        : this(address, name, maxConnections, logger)
    {
        _blocking = session;
        _threads = new SessionThreads($"rw-{name}");
    }

    private ConnectionListener(string address, string name, int maxConnections, ILogger logger)
    {
        _name = name;
        _maxConnections = maxConnections;
        _logger = logger;
        _runBlocking = RunBlocking;
        EndPoint endpoint;
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            _unixPath = address[5..];
            if (File.Exists(_unixPath))
            {
                File.Delete(_unixPath); // a stale socket from a previous run
            }

            endpoint = new UnixDomainSocketEndPoint(_unixPath);
            _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        }
        else
        {
            var ip = IPEndPoint.Parse(address.StartsWith("inet:", StringComparison.Ordinal) ? address[5..] : address);
            endpoint = ip;
            _socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }

        _socket.Bind(endpoint);
    }

    /// <summary>The bound TCP address (the real port after binding port 0), or null for a Unix socket.</summary>
    public IPEndPoint? LocalEndPoint => _socket.LocalEndPoint as IPEndPoint;

    /// <summary><c>inet:ADDRESS:PORT</c> or <c>unix:PATH</c>.</summary>
    public string Address => LocalEndPoint is { } ip ? $"inet:{ip}" : $"unix:{_unixPath}";

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>True once <see cref="StopAsync"/> began.</summary>
    internal bool IsStopping => Volatile.Read(ref _stopRequested);

    public void Start()
    {
        _socket.Listen(512);
        _acceptLoop = AcceptLoopAsync();
        _logger.LogInformation("{Door}: listening on {Address}", _name, Address);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException exception)
            {
                _logger.LogWarning("{Door}: accept failed: {Error}", _name, exception.SocketErrorCode);
                continue;
            }

            if (Interlocked.Increment(ref _connections) > _maxConnections)
            {
                Interlocked.Decrement(ref _connections);
                _logger.LogWarning("{Door}: connection refused: {Max} connections open", _name, _maxConnections);
                client.Dispose();
                continue;
            }

            if (client.AddressFamily != AddressFamily.Unix)
            {
                client.NoDelay = true; // small answers go out at once, never behind a delayed ACK
            }

            long id = Interlocked.Increment(ref _ids);
            if (_threads is not null)
            {
                var connection = new BlockingConnection(client, id, this);
                lock (_gate)
                {
                    _live.Add(connection);
                }

                _threads.Run(_runBlocking, connection);
                continue;
            }

            var session = Task.Run(() => RunAsync(client, id));
            lock (_gate)
            {
                _sessions.RemoveAll(t => t.IsCompleted);
                _sessions.Add(session);
            }
        }
    }

    private void RunBlocking(object? state)
    {
        var connection = (BlockingConnection)state!;
        try
        {
            _blocking!(connection);
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

            connection.Socket.Dispose();
            Interlocked.Decrement(ref _connections);
        }
    }

    private async Task RunAsync(Socket client, long id)
    {
        try
        {
            await _session!(client, id, _stopping.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The last line of defence of a connection's fault domain.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _logger.LogError(exception, "{Door}[{Session}]: internal error; closing", _name, id);
        }
        finally
        {
            client.Dispose();
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>Stops accepting; sessions may finish their current exchange until <paramref name="drain"/>, then are cancelled.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Volatile.Write(ref _stopRequested, true);
        _socket.Close();
        if (_acceptLoop is not null)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _acceptLoop.ConfigureAwait(false);
        }

        Task[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions];
        }

        await Task.WhenAny(Task.WhenAll(sessions), Task.Delay(drain)).ConfigureAwait(false);
        if (_threads is not null)
        {
            await DrainBlockingAsync(drain).ConfigureAwait(false);
        }
        if (_unixPath is not null && File.Exists(_unixPath))
        {
            File.Delete(_unixPath);
        }

        _logger.LogInformation("{Door}: stopped", _name);
    }

    // Sessions waiting for their peer are woken now (their read returns 0); the others finish their
    // exchange and see the listener stopping before their next read. At the deadline the rest are cut.
    private async Task DrainBlockingAsync(TimeSpan drain)
    {
        BlockingConnection[] live;
        lock (_gate)
        {
            live = [.. _live];
        }

        foreach (var connection in live)
        {
            connection.WakeIfReading();
        }

        long deadline = Environment.TickCount64 + (long)drain.TotalMilliseconds;
        while (Connections > 0 && Environment.TickCount64 < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
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
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        _stopping.Dispose();
        _socket.Dispose();
    }
}
