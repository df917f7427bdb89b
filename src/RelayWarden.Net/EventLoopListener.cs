using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace RelayWarden.Net;

/// <summary>
/// The Linux transport of the protocol doors: a few event-loop threads
/// (<see cref="ListenerOptions.EventLoops"/>), each with its own epoll set and its own connections.
/// Every loop watches the listening socket (<c>EPOLLEXCLUSIVE</c>: the kernel wakes one loop per
/// connection) and keeps what it accepts. A readable connection gets one <c>recv</c>; its session
/// consumes the complete requests and writes their answers, which go out in one <c>send</c>.
/// </summary>
/// <remarks>
/// Postfix's clients send one request and wait for its answer, so a thread per connection meant a
/// thread woken (a context switch) for every packet; here a loop that is busy picks up every ready
/// connection in one <c>epoll_wait</c>, and sleeps only when there is nothing to do. An answer that
/// does not fit the socket's send buffer is kept and the connection is watched for
/// <c>EPOLLOUT</c> instead of <c>EPOLLIN</c>: nothing more is read from a peer that does not read
/// (backpressure), and the other connections of the loop go on. Idle connections are closed by a
/// sweep between waits. Sessions run on the loop thread: they must not block.
/// </remarks>
public sealed class EventLoopListener : IDoorListener
{
    private const ulong ListenToken = ulong.MaxValue;
    private const ulong WakeToken = ulong.MaxValue - 1;
    private const int MaxEvents = 256;

    private readonly Socket _socket;
    private readonly int _listenFd;
    private readonly string _name;
    private readonly ListenerOptions _options;
    private readonly ILogger _logger;
    private readonly Func<StreamConnection, IStreamSession> _sessions;
    private readonly string? _unixPath;
    private readonly bool _tcp;
    private readonly Loop[] _loops;
    private readonly TaskCompletionSource _loopsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private int _connections;
    private long _ids;
    private long _stopDeadline; // Environment.TickCount64 at which the remaining connections are cut
    private bool _started;
    private bool _stopped;
    private volatile bool _stopping;

    /// <param name="address"><c>inet:ADDRESS:PORT</c>, <c>ADDRESS:PORT</c> or <c>unix:PATH</c>.</param>
    /// <param name="name">The door's name in log lines and thread names (<c>milter</c>, <c>policy</c>).</param>
    /// <param name="options">Connection limit, idle timeout, number of loops.</param>
    /// <param name="logger">Where accept problems and unexpected session errors go.</param>
    /// <param name="sessions">Creates the session of a new connection; it runs on the connection's loop thread.</param>
    public EventLoopListener(string address, string name, ListenerOptions options, ILogger logger, Func<StreamConnection, IStreamSession> sessions)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the event-loop transport needs Linux epoll; use ConnectionListener");
        }

        _name = name;
        _options = options;
        _logger = logger;
        _sessions = sessions;
        _socket = ListenSocket.Bind(address, out _unixPath);
        _tcp = _socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
        if (_tcp)
        {
            // Accepted sockets inherit TCP_NODELAY from the listener (Linux): small answers go out at
            // once, never behind a delayed ACK, without a setsockopt per connection.
            _socket.NoDelay = true;
        }

        _listenFd = (int)_socket.SafeHandle.DangerousGetHandle();
        _loops = new Loop[Math.Max(1, options.EventLoops)];
    }

    /// <summary>The bound TCP address (the real port after binding port 0), or null for a Unix socket.</summary>
    public IPEndPoint? LocalEndPoint => _socket.LocalEndPoint as IPEndPoint;

    /// <summary><c>inet:ADDRESS:PORT</c> or <c>unix:PATH</c>.</summary>
    public string Address => LocalEndPoint is { } ip ? $"inet:{ip}" : $"unix:{_unixPath}";

    /// <summary>Open connections.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections open on each loop (for tests and diagnostics).</summary>
    internal int[] ConnectionsPerLoop => [.. _loops.Select(l => l is null ? 0 : Volatile.Read(ref l.Count))];

    private bool IsStopping => _stopping;

    public void Start()
    {
        _socket.Listen(512);
        // Accepts are non-blocking (accept4 answers EAGAIN when another loop took the connection).
        int flags = Libc.Fcntl(_listenFd, Libc.F_GETFL, 0);
        if (flags < 0 || Libc.Fcntl(_listenFd, Libc.F_SETFL, flags | Libc.O_NONBLOCK) < 0)
        {
            throw new IOException($"fcntl O_NONBLOCK failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        for (int i = 0; i < _loops.Length; i++)
        {
            _loops[i] = new Loop(this, i);
        }

        _running = _loops.Length;
        _started = true;
        foreach (var loop in _loops)
        {
            var thread = new Thread(loop.Run) { IsBackground = true, Name = $"rw-{_name}-loop{loop.Index}" };
            thread.UnsafeStart();
        }

        _logger.LogInformation("{Door}: listening on {Address}", _name, Address);
    }

    /// <summary>Stops accepting; connections waiting for their peer are closed, the others once their answers are sent, until <paramref name="drain"/>; then the rest are cut.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Volatile.Write(ref _stopDeadline, Environment.TickCount64 + (long)Math.Clamp(drain.TotalMilliseconds, 0, int.MaxValue));
        _stopping = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both); // new connections are refused from now on
        }
        catch (SocketException)
        {
            // Not listening (never started).
        }

        if (_started)
        {
            foreach (var loop in _loops)
            {
                loop.Wake();
            }

            if (await Task.WhenAny(_loopsDone.Task, Task.Delay(drain + TimeSpan.FromSeconds(5))).ConfigureAwait(false) == _loopsDone.Task)
            {
                foreach (var loop in _loops)
                {
                    loop.CloseWake();
                }
            }
        }

        _socket.Close();
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

    private void LoopExited()
    {
        if (Interlocked.Decrement(ref _running) == 0)
        {
            _loopsDone.TrySetResult();
        }
    }

    /// <summary>One connection on a loop: its socket, its session, its unconsumed input.</summary>
    private sealed class Conn
    {
        public required int Fd;
        public required int Slot;
        public required uint Generation;
        public required StreamConnection Stream;
        public IStreamSession Session = null!;
        public byte[] Input = [];
        public int Start;
        public int End;
        public long LastActivity;
        public bool Writing; // EPOLLOUT armed: output waits for the peer to read
    }

    /// <summary>One event-loop thread, its epoll set and its connections (touched by this thread only).</summary>
    private sealed unsafe class Loop
    {
        private readonly EventLoopListener _owner;
        private readonly int _epoll;
        private readonly int _wake;
        private readonly List<Conn?> _slots = [];
        private readonly Stack<int> _free = new();
        private readonly long _sweepEvery;
        private uint _generation;
        private long _nextSweep;
        private bool _stopSeen;
        public int Count;

        public Loop(EventLoopListener owner, int index)
        {
            _owner = owner;
            Index = index;
            _epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
            if (_epoll < 0)
            {
                throw new IOException($"epoll_create1 failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            _wake = Libc.EventFd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
            if (_wake < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                Libc.Close(_epoll);
                throw new IOException($"eventfd failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }

            if (!Control(Libc.EPOLL_CTL_ADD, _wake, Libc.EPOLLIN, WakeToken)
                || !Control(Libc.EPOLL_CTL_ADD, owner._listenFd, Libc.EPOLLIN | Libc.EPOLLEXCLUSIVE, ListenToken))
            {
                int errno = Marshal.GetLastPInvokeError();
                Libc.Close(_wake);
                Libc.Close(_epoll);
                throw new IOException($"epoll_ctl failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
            _sweepEvery = (long)Math.Clamp(owner._options.IdleTimeout.TotalMilliseconds / 4, 10, 1000);
            _nextSweep = Environment.TickCount64 + _sweepEvery;
        }

        public int Index { get; }

        /// <summary>Closes the eventfd; only once the loop no longer runs or will not read it again.</summary>
        public void CloseWake() => Libc.Close(_wake);

        private bool Control(int op, int fd, uint events, ulong token)
        {
            byte* ev = stackalloc byte[16];
            Libc.WriteEvent(ev, events, token);
            return Libc.EpollCtl(_epoll, op, fd, ev) == 0;
        }

        public void Wake()
        {
            ulong one = 1;
            Libc.Write(_wake, (byte*)&one, 8);
        }

        public void Run()
        {
            byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Libc.EpollEventSize));
            try
            {
                while (true)
                {
                    long now = Environment.TickCount64;
                    if (_owner.IsStopping && !_stopSeen)
                    {
                        BeginStop();
                    }

                    if (_stopSeen)
                    {
                        if (Count == 0)
                        {
                            return;
                        }

                        if (now >= Volatile.Read(ref _owner._stopDeadline))
                        {
                            CutAll();
                            return;
                        }
                    }

                    if (now >= _nextSweep)
                    {
                        Sweep(now);
                        _nextSweep = now + _sweepEvery;
                    }

                    long until = _stopSeen ? Math.Min(_nextSweep, Volatile.Read(ref _owner._stopDeadline)) : _nextSweep;
                    int timeout = (int)Math.Clamp(until - now, 0, 1000);
                    int n = Libc.EpollWait(_epoll, events, MaxEvents, timeout);
                    if (n < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno != Libc.EINTR)
                        {
                            _owner._logger.LogError("{Door}: epoll_wait failed: errno {Errno}", _owner._name, errno);
                            Thread.Sleep(10);
                        }

                        continue;
                    }

                    for (int i = 0; i < n; i++)
                    {
                        ulong token = Libc.DataAt(events, i);
                        uint ready = Libc.EventsAt(events, i);
                        if (token == ListenToken)
                        {
                            Accept();
                        }
                        else if (token == WakeToken)
                        {
                            ulong value;
                            Libc.Read(_wake, (byte*)&value, 8);
                        }
                        else
                        {
                            Dispatch(token, ready);
                        }
                    }
                }
            }
#pragma warning disable CA1031 // A bug in the loop itself: log it, close its connections, keep the process.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _owner._logger.LogError(exception, "{Door}: event loop {Loop} failed; closing its connections", _owner._name, Index);
                CutAll();
            }
            finally
            {
                NativeMemory.Free(events);
                Libc.Close(_epoll); // the eventfd stays open until the listener stopped: StopAsync may still write to it
                _owner.LoopExited();
            }
        }

        private void Accept()
        {
            if (_owner.IsStopping)
            {
                return; // BeginStop removes the listening socket at the top of the loop
            }

            int fd = Libc.Accept4(_owner._listenFd, IntPtr.Zero, IntPtr.Zero, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is Libc.EAGAIN or Libc.EINTR || _owner.IsStopping)
                {
                    return; // another loop took it
                }

                _owner._logger.LogWarning("{Door}: accept failed: {Error}", _owner._name, Marshal.GetPInvokeErrorMessage(errno));
                if (errno is 24 or 23 or 105 or 12) // EMFILE, ENFILE, ENOBUFS, ENOMEM: do not spin
                {
                    Thread.Sleep(10);
                }

                return;
            }

            if (Interlocked.Increment(ref _owner._connections) > _owner._options.MaxConnections)
            {
                Interlocked.Decrement(ref _owner._connections);
                _owner._logger.LogWarning("{Door}: connection refused: {Max} connections open", _owner._name, _owner._options.MaxConnections);
                Libc.Close(fd);
                return;
            }

            int slot;
            if (_free.Count > 0)
            {
                slot = _free.Pop();
            }
            else
            {
                slot = _slots.Count;
                _slots.Add(null);
            }

            long id = Interlocked.Increment(ref _owner._ids);
            var owner = _owner;
            var conn = new Conn
            {
                Fd = fd,
                Slot = slot,
                Generation = ++_generation,
                Stream = new StreamConnection(id, () => Peer(fd, owner._socket.AddressFamily), () => owner.IsStopping),
                LastActivity = Environment.TickCount64,
            };
            _slots[slot] = conn;
            Count++;
            try
            {
                conn.Session = _owner._sessions(conn.Stream);
            }
#pragma warning disable CA1031 // The fault domain of the connection.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _owner._logger.LogError(exception, "{Door}[{Session}]: internal error; closing", _owner._name, id);
                Remove(conn);
                return;
            }

            if (!Control(Libc.EPOLL_CTL_ADD, fd, Libc.EPOLLIN, Token(conn)))
            {
                _owner._logger.LogWarning("{Door}[{Session}]: epoll_ctl failed: errno {Errno}", _owner._name, id, Marshal.GetLastPInvokeError());
                Remove(conn);
                return;
            }

            // The MTA writes its first packet right after connecting (the milter's option negotiation):
            // it is usually there already, which saves a round through epoll_wait.
            ReadAndAnswer(conn);
        }

        private static ulong Token(Conn conn) => (uint)conn.Slot | ((ulong)conn.Generation << 32);

        private void Dispatch(ulong token, uint ready)
        {
            int slot = (int)(uint)token;
            if (slot >= _slots.Count || _slots[slot] is not { } conn || conn.Generation != (uint)(token >> 32))
            {
                return; // closed earlier in this batch
            }

            if (conn.Writing)
            {
                if ((ready & (Libc.EPOLLOUT | Libc.EPOLLERR | Libc.EPOLLHUP)) != 0)
                {
                    Flush(conn);
                }

                return;
            }

            if ((ready & (Libc.EPOLLIN | Libc.EPOLLERR | Libc.EPOLLHUP)) != 0)
            {
                ReadAndAnswer(conn);
            }
        }

        private void ReadAndAnswer(Conn conn)
        {
            // A peer that keeps the buffer full gets a few reads per wake-up, then the others get their turn
            // (epoll reports it again: level-triggered).
            for (int reads = 0; reads < 16; reads++)
            {
                if (conn.Input.Length == 0)
                {
                    conn.Input = ArrayPool<byte>.Shared.Rent(_owner._options.InitialBuffer);
                }
                else if (conn.End == conn.Input.Length)
                {
                    // A partial request fills the buffer: move it to the front, or make room.
                    if (conn.Start > 0)
                    {
                        conn.Input.AsSpan(conn.Start, conn.End - conn.Start).CopyTo(conn.Input);
                    }
                    else
                    {
                        byte[] larger = ArrayPool<byte>.Shared.Rent(conn.Input.Length * 2);
                        conn.Input.AsSpan(0, conn.End).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(conn.Input);
                        conn.Input = larger;
                    }

                    conn.End -= conn.Start;
                    conn.Start = 0;
                }

                int space = conn.Input.Length - conn.End;
                nint received;
                fixed (byte* buffer = &conn.Input[conn.End])
                {
                    received = Libc.Recv(conn.Fd, buffer, (nuint)space, 0);
                }

                if (received < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is Libc.EAGAIN or Libc.EINTR)
                    {
                        break;
                    }

                    Lost(conn, errno);
                    return;
                }

                if (received == 0)
                {
                    Close(conn, StreamClose.EndOfStream);
                    return;
                }

                conn.End += (int)received;
                conn.LastActivity = Environment.TickCount64;
                int consumed;
                try
                {
                    consumed = conn.Session.Received(conn.Stream, conn.Input.AsSpan(conn.Start, conn.End - conn.Start));
                }
#pragma warning disable CA1031 // The fault domain of the connection.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    _owner._logger.LogError(exception, "{Door}[{Session}]: internal error; closing", _owner._name, conn.Stream.Id);
                    Close(conn, StreamClose.Fault);
                    return;
                }

                conn.Start += consumed;
                if (conn.Start == conn.End)
                {
                    conn.Start = conn.End = 0;
                }

                if (!Flush(conn) || conn.Stream.CloseRequested)
                {
                    return; // waiting for the peer to read, or closed
                }

                if (received < space)
                {
                    break; // the socket had no more for now
                }
            }

            if (conn.End == 0 && conn.Input.Length > 0)
            {
                // Nothing pending: an idle connection holds no buffer.
                ArrayPool<byte>.Shared.Return(conn.Input);
                conn.Input = [];
            }
        }

        // Sends the pending output; false when the connection waits for its peer to read (EPOLLOUT armed) or was closed.
        private bool Flush(Conn conn)
        {
            var stream = conn.Stream;
            while (stream.HasUnsent)
            {
                var unsent = stream.Unsent;
                nint sent;
                fixed (byte* data = unsent)
                {
                    sent = Libc.Send(conn.Fd, data, (nuint)unsent.Length, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
                }

                if (sent < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }

                    if (errno == Libc.EAGAIN)
                    {
                        if (!conn.Writing)
                        {
                            // Backpressure: stop reading this connection until the peer has read our answers.
                            conn.Writing = true;
                            Control(Libc.EPOLL_CTL_MOD, conn.Fd, Libc.EPOLLOUT, Token(conn));
                        }

                        return false;
                    }

                    Lost(conn, errno);
                    return false;
                }

                stream.Sent((int)sent);
                conn.LastActivity = Environment.TickCount64;
            }

            if (conn.Writing)
            {
                conn.Writing = false;
                Control(Libc.EPOLL_CTL_MOD, conn.Fd, Libc.EPOLLIN, Token(conn));
            }

            if (stream.QuickAckRequested)
            {
                stream.QuickAckRequested = false;
                if (_owner._tcp && !stream.CloseRequested) // nothing more comes on a connection that closes (the milter's QUIT)
                {
                    Libc.SetInt(conn.Fd, Libc.IPPROTO_TCP, Libc.TCP_QUICKACK, 1);
                }
            }

            if (stream.CloseRequested)
            {
                Close(conn, StreamClose.Requested);
                return false;
            }

            if (_stopSeen)
            {
                // Stopping: the answer is out, the peer gets no more.
                Close(conn, StreamClose.Stopping);
                return false;
            }

            return true;
        }

        private void Lost(Conn conn, int errno)
        {
            _owner._logger.LogDebug("{Door}[{Session}]: connection lost: {Error}", _owner._name, conn.Stream.Id, Marshal.GetPInvokeErrorMessage(errno));
            Close(conn, StreamClose.Lost);
        }

        private void Close(Conn conn, StreamClose reason)
        {
            try
            {
                conn.Session?.Closed(conn.Stream, reason, conn.End - conn.Start);
            }
#pragma warning disable CA1031 // The fault domain of the connection.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _owner._logger.LogError(exception, "{Door}[{Session}]: internal error; closing", _owner._name, conn.Stream.Id);
            }

            Remove(conn);
        }

        private void Remove(Conn conn)
        {
            Libc.Close(conn.Fd); // also leaves the epoll set
            conn.Stream.Release();
            if (conn.Input.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(conn.Input);
                conn.Input = [];
            }

            _slots[conn.Slot] = null;
            _free.Push(conn.Slot);
            Count--;
            Interlocked.Decrement(ref _owner._connections);
        }

        private void Sweep(long now)
        {
            long limit = (long)Math.Clamp(_owner._options.IdleTimeout.TotalMilliseconds, 1, long.MaxValue / 2);
            for (int i = 0; i < _slots.Count; i++)
            {
                if (_slots[i] is { } conn && now - conn.LastActivity >= limit)
                {
                    Close(conn, StreamClose.Idle);
                }
            }
        }

        // Stopping: no more accepts; connections waiting for their peer close now, the ones whose
        // answers wait for the peer to read close once sent (Flush), the rest at the deadline.
        private void BeginStop()
        {
            _stopSeen = true;
            Control(Libc.EPOLL_CTL_DEL, _owner._listenFd, 0, 0);
            for (int i = 0; i < _slots.Count; i++)
            {
                if (_slots[i] is { Writing: false } conn)
                {
                    Close(conn, StreamClose.Stopping);
                }
            }
        }

        private void CutAll()
        {
            for (int i = 0; i < _slots.Count; i++)
            {
                if (_slots[i] is { } conn)
                {
                    Close(conn, StreamClose.Stopping);
                }
            }
        }

        private static EndPoint? Peer(int fd, AddressFamily family)
        {
            if (family == AddressFamily.Unix)
            {
                return null;
            }

            // A borrowed view of the descriptor (not owned: disposing it leaves the connection open).
            try
            {
                using var view = new Socket(new SafeSocketHandle(fd, ownsHandle: false));
                return view.RemoteEndPoint;
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return null;
            }
        }
    }
}
