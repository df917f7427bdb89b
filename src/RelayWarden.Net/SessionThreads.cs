namespace RelayWarden.Net;

/// <summary>
/// Parked threads for connections served with blocking I/O. A thread that finishes a connection
/// waits (without spinning) for the next one and exits after a minute without work, so a burst of
/// short connections (Postfix opens one milter connection per SMTP session) reuses threads instead
/// of creating one each, and an idle server holds none.
/// </summary>
/// <remarks>
/// Why not the .NET thread pool with async sockets: each request/response exchange there costs a
/// failed receive, an epoll wake-up, a hand-off to a pool thread (a futex wake and a context switch)
/// and the pool threads' spinning; a blocked receive is woken by the kernel directly. The cost is
/// one thread (its stack committed as used) per open connection.
/// </remarks>
internal sealed class SessionThreads
{
    private static readonly TimeSpan s_idleExit = TimeSpan.FromSeconds(60);

    private readonly string _name;
    private readonly Lock _gate = new();
    private readonly List<Worker> _idle = [];

    public SessionThreads(string name) => _name = name;

    /// <summary>Runs <paramref name="work"/> on a parked thread, or a new one when none is free.</summary>
    public void Run(Action<object?> work, object? state)
    {
        Worker? worker = null;
        lock (_gate)
        {
            if (_idle.Count > 0)
            {
                worker = _idle[^1];
                _idle.RemoveAt(_idle.Count - 1);
            }
        }

        if (worker is null)
        {
            worker = new Worker(this);
            worker.Give(work, state);
            var thread = new Thread(worker.Loop) { IsBackground = true, Name = _name };
            thread.UnsafeStart();
        }
        else
        {
            worker.Give(work, state);
        }
    }

    private sealed class Worker
    {
        private readonly SessionThreads _owner;
        private readonly object _gate = new(); // Monitor.Wait/Pulse: not a System.Threading.Lock
        private Action<object?>? _work;
        private object? _state;

        public Worker(SessionThreads owner) => _owner = owner;

        public void Give(Action<object?> work, object? state)
        {
            lock (_gate)
            {
                _work = work;
                _state = state;
                Monitor.Pulse(_gate);
            }
        }

        public void Loop()
        {
            while (true)
            {
                Action<object?> work;
                object? state;
                lock (_gate)
                {
                    while (_work is null)
                    {
                        if (!Monitor.Wait(_gate, s_idleExit) && _work is null && Retire())
                        {
                            return;
                        }
                    }

                    (work, state) = (_work, _state);
                    (_work, _state) = (null, null);
                }

                try
                {
                    work(state);
                }
#pragma warning disable CA1031 // Sessions catch their own errors; this keeps the thread whatever happens.
                catch
#pragma warning restore CA1031
                {
                }

                lock (_owner._gate)
                {
                    _owner._idle.Add(this);
                }
            }
        }

        // Leaves the idle list unless a connection was just handed to this thread (then it stays).
        private bool Retire()
        {
            lock (_owner._gate)
            {
                return _owner._idle.Remove(this);
            }
        }
    }
}
