using RelayWarden.Core.Control;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Smtp;

namespace RelayWarden.Hosting.Control;

/// <summary>
/// The current engine for every door (relay, milter, policy server): the configuration's directory
/// and policy, the blocklist (configuration ∪ control store) and the suspended set. A change in the
/// control store (by the CLI in another process, or by the monitor here) — including the directory
/// overlay of operators' tenants, verified domain claims and networks (<see cref="DirectoryAdmin"/>) — builds a new, immutable
/// <see cref="SenderAuthorization"/> and swaps it in; the poll loop notices other processes' changes
/// within <see cref="PollInterval"/>.
/// </summary>
public sealed class EngineSource : IAsyncDisposable
{
    private readonly RelayWardenConfig _config;
    private readonly PolicyOptions _policy;
    private readonly IControlStore _store;
    private readonly TimeProvider _time;
    private readonly RelayLog _log;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _poll = Task.CompletedTask;
    private volatile SenderAuthorization _current;
    private long _version = -1;

    public EngineSource(RelayWardenConfig config, PolicyOptions policy, IControlStore store, TimeProvider time, RelayLog log)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _policy = policy;
        _store = store;
        _time = time;
        _log = log;
        _current = new SenderAuthorization(config.Directory, config.Blocklist, policy, time);
        Refresh(force: true);
    }

    /// <summary>How often the control store's change counter is read. Default 2 s.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(2);

    public SenderAuthorization Current => _current;

    public IControlStore Store => _store;

    /// <summary>Called after every rebuild with the new engine (the monitor lifts suspensions a person lifted).</summary>
    public event Action<SenderAuthorization>? Rebuilt;

    /// <summary>Starts the poll loop.</summary>
    public void Start() => _poll = Task.Run(PollLoopAsync);

    /// <summary>Rebuilds the engine when the store changed (or always, when <paramref name="force"/>).</summary>
    public void Refresh(bool force = false)
    {
        SenderAuthorization engine;
        lock (_gate)
        {
            long version = _store.ChangeCounter();
            if (!force && version == _version)
            {
                return;
            }

            var blocks = _store.Blocks();
            var suspensions = _store.Suspensions();
            var blocklist = blocks.Count == 0 ? _config.Blocklist : new Blocklist([.. _config.Blocklist.Entries, .. blocks]);
            var directory = DirectoryAdmin.Effective(_config.Directory, _store, out var skipped);
            engine = new SenderAuthorization(directory, blocklist, new Suspensions(suspensions), _policy, _time);
            _current = engine;
            _version = version;
            _log.Write("control.reload", ("version", version), ("blocks", blocklist.Entries.Count), ("stored_blocks", blocks.Count), ("suspended", suspensions.Count),
                ("tenants", directory.Tenants.Count), ("domains", directory.DomainCount), ("networks", directory.NetworkCount));
            foreach (var problem in skipped)
            {
                _log.Write("control.overlay-skipped", ("place", problem.Place), ("reason", problem.Message));
            }
        }

        Rebuilt?.Invoke(engine);
    }

    private async Task PollLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, _time, _stop.Token).ConfigureAwait(false);
                Refresh();
            }
            catch (OperationCanceledException)
            {
                return;
            }
#pragma warning disable CA1031 // A background loop logs and goes on: the last good engine stays in force.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _log.Write("control.error", ("error", $"{exception.GetType().Name}: {exception.Message}"));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _poll.ConfigureAwait(false);
        _stop.Dispose();
    }
}
