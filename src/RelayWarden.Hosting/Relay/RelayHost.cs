using System.Net;
using System.Security.Cryptography.X509Certificates;
using RelayWarden.Core.Control;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Hosting.Alerts;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Control;
using RelayWarden.Hosting.Mta;
using RelayWarden.Smtp;
using RelayWarden.Smtp.Delivery;
using RelayWarden.Smtp.Server;
using RelayWarden.Smtp.Spool;
using RelayWarden.Storage.Sqlite;

namespace RelayWarden.Hosting.Relay;

/// <summary>
/// The standalone relay's composition root: configuration → engine → SMTP listener → spool →
/// queue runner → next hop, with decision records in SQLite under <c>data_dir</c>.
/// </summary>
public sealed class RelayHost : IAsyncDisposable
{
    private readonly SmtpListener? _listener;
    private readonly SmtpServerContext? _smtpContext;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _retention;
    private readonly Task _recheck;
    private readonly MtaDoors _doors;
    private bool _stopped;

    private RelayHost(RelayWardenConfig config, RelayLog log, TimeProvider time, IDeliveryTransport? transport)
    {
        Config = config;
        Log = log;

        // fsync blocks a pool thread for milliseconds; with the default minimum (one per core) a burst of
        // sessions waits for thread injection, which shows as latency spikes before the 250.
        ThreadPool.GetMinThreads(out int workers, out int completion);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completion, 64));
        string hostname = config.Relay.Hostname;
        System.IO.Directory.CreateDirectory(config.DataDir);
        Spool = new MessageSpool(Path.Combine(config.DataDir, "spool"), time);
        int cleared = Spool.ClearTemp();
        Records = SqliteDecisionStore.Open(Path.Combine(config.DataDir, "records.db"), line => log.Write("records.store", ("detail", line)));
        var policy = config.Policy with { MaxRecipients = config.Relay.MaxRecipients };
        Control = ControlStores.Open(config);
        Engines = new EngineSource(config, policy, Control, time, log);
        Directory = new DirectoryAdmin(config, Control, new DomainTxtVerifier(config.DomainClaims), time, () => Engines.Refresh());
        Alerts = new AlertDispatcher(config.Alerts, Control, log, Spool, hostname, time);
        Monitor = new MonitorService(new BehaviorMonitor(config.Monitor, new InMemoryMonitorStore(), time), Engines, Alerts, log);
        Triage = SqliteAlertTriageStore.Open(Path.Combine(config.DataDir, ControlStores.FileName));
        Monitor.Allowances.Replace(Triage.Allowances(time.GetUtcNow()));
        Func<SenderAuthorization> engine = () => Engines.Current;
        Transport = transport ?? CreateTransport(config, hostname);
        Runner = new QueueRunner(Spool, Transport, Records, log, time, new QueueRunnerOptions
        {
            Hostname = hostname,
            InitialRetryDelay = config.Relay.RetryInitial,
            MaxRetryDelay = TimeSpan.FromTicks(Math.Max(config.Relay.RetryInitial.Ticks, TimeSpan.FromHours(1).Ticks)),
            MaxAge = config.Relay.MaxAge,
            Concurrency = config.Relay.DeliveryConcurrency,
        })
        {
            Monitor = Monitor,
        };

        string tlsOrigin = "none";
        if (config.Listen.Smtp is { } endpoint)
        {
            _certificate = TlsCertificates.Load(config.Tls, config.DataDir, hostname, out tlsOrigin);
            var limits = config.Relay.Limits;
            var context = new SmtpServerContext
            {
                Hostname = hostname,
                Engine = engine,
                Monitor = Monitor,
                Spool = Spool,
                Records = Records,
                Log = log,
                Certificate = _certificate,
                AuthWithoutTls = config.Listen.SmtpAuthWithoutTls,
                Time = time,
                Limits = new SmtpLimits
                {
                    MaxMessageBytes = config.Relay.MaxMessageBytes,
                    MaxRecipients = config.Relay.MaxRecipients,
                    MaxCommandLineBytes = limits.CommandLineBytes,
                    MaxDataLineBytes = limits.DataLineBytes,
                    CommandTimeout = limits.CommandTimeout,
                    DataTimeout = limits.DataTimeout,
                    MaxConnections = limits.MaxConnections,
                    MaxConnectionsPerIp = limits.MaxConnectionsPerIp,
                    MaxErrors = limits.MaxErrors,
                    MaxDataMemoryBytes = limits.MaxDataMemory,
                },
            };
            _smtpContext = context;
            _listener = new SmtpListener(context, endpoint);
            _listener.Start();
        }

        Runner.Start();
        Engines.Start();
        _doors = MtaDoors.Start(config, engine, Monitor, log, time);
        log.Write("relay.start", ("smtp", _listener?.LocalEndPoint.ToString() ?? "off"),
            ("milter", _doors.Milter?.Address ?? "off"), ("policy", _doors.Policy?.LocalEndPoint.ToString() ?? "off"),
            ("auth_without_tls", config.Listen.SmtpAuthWithoutTls && _listener is not null && IPAddress.IsLoopback(_listener.LocalEndPoint.Address) ? "yes (loopback)" : "no"),
            ("tls", tlsOrigin), ("tenants", config.Directory.Tenants.Count), ("domains", config.Directory.DomainCount),
            ("logins", config.Directory.LoginCount), ("next_hop", config.Relay.NextHop), ("spool", Spool.Root),
            ("queued", Spool.List().Count), ("held", Spool.List(held: true).Count), ("tmp_cleared", cleared),
            ("records", Path.Combine(config.DataDir, "records.db")), ("retention_days", config.Records.RetentionDays));
        _retention = Task.Run(() => RetentionLoopAsync(time));
        _recheck = Task.Run(() => RecheckLoopAsync(time));
    }

    public RelayWardenConfig Config { get; }

    /// <summary>Suspensions, stored blocklist entries, the audit trail and alerts (<c>data_dir/control.db</c>).</summary>
    public IControlStore Control { get; }

    /// <summary>The current engine, rebuilt when the control store changes.</summary>
    public EngineSource Engines { get; }

    /// <summary>Operators' tenants, domain claims (DNS TXT verified) and networks.</summary>
    public DirectoryAdmin Directory { get; }

    /// <summary>The behavior monitor shared by every door.</summary>
    public MonitorService Monitor { get; }

    public AlertDispatcher Alerts { get; }

    /// <summary>Alert dismissals and the monitor's allowances (<c>data_dir/control.db</c>).</summary>
    public IAlertTriageStore Triage { get; }

    public RelayLog Log { get; }

    public MessageSpool Spool { get; }

    public IDecisionStore Records { get; }

    public QueueRunner Runner { get; }

    public IDeliveryTransport Transport { get; }

    /// <summary>The SMTP listener's bound address (with the real port when the config said 0), or null when off.</summary>
    public IPEndPoint? SmtpEndpoint => _listener?.LocalEndPoint;

    /// <summary>Octets of message data the SMTP sessions hold in memory now (<c>relay.limits.max_data_memory</c>).</summary>
    public long SmtpDataMemoryInUse => _smtpContext?.DataMemory.InUse ?? 0;

    /// <summary>The milter and policy-delegation doors (each null when off).</summary>
    public MtaDoors Doors => _doors;

    /// <summary>Starts every configured part. Throws on a bad next hop or an unusable port.</summary>
    public static RelayHost Start(RelayWardenConfig config, RelayLog log, TimeProvider? time = null, IDeliveryTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new RelayHost(config, log, time ?? TimeProvider.System, transport);
    }

    /// <summary>The next hop from <c>relay.next_hop</c>.</summary>
    public static IDeliveryTransport CreateTransport(RelayWardenConfig config, string hostname)
    {
        ArgumentNullException.ThrowIfNull(config);
        string nextHop = config.Relay.NextHop;
        if (nextHop.StartsWith("outbox:", StringComparison.Ordinal))
        {
            string baseDir = Path.GetDirectoryName(config.SourcePath) ?? ".";
            return new OutboxTransport(Path.GetFullPath(Path.Combine(baseDir, nextHop["outbox:".Length..])));
        }

        if (nextHop == "mx")
        {
            return SmtpTransport.Mx(new MxResolver(), hostname, TimeSpan.FromMinutes(2));
        }

        return SmtpTransport.Smarthost(new Uri(nextHop), hostname, TimeSpan.FromMinutes(2));
    }

    private async Task RetentionLoopAsync(TimeProvider time)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                int purged = await Records.PurgeAsync(time.GetUtcNow().AddDays(-Config.Records.RetentionDays), _stop.Token).ConfigureAwait(false);
                if (purged > 0)
                {
                    Log.Write("records.purge", ("deleted", purged), ("retention_days", Config.Records.RetentionDays));
                }

                await Task.Delay(TimeSpan.FromHours(1), time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
#pragma warning disable CA1031 // A background loop logs and goes on.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.Write("records.error", ("error", $"{exception.GetType().Name}: {exception.Message}"));
            }
        }
    }

    /// <summary>Checks pending and failed domain claims every <c>domain_claims.recheck_interval</c>.</summary>
    private async Task RecheckLoopAsync(TimeProvider time)
    {
        if (Config.DomainClaims.RecheckInterval is not { } interval)
        {
            return;
        }

        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, _stop.Token).ConfigureAwait(false);
                int verified = await Directory.RecheckAsync(_stop.Token).ConfigureAwait(false);
                if (verified > 0)
                {
                    Log.Write("domains.verified", ("count", verified));
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
#pragma warning disable CA1031 // A background loop logs and goes on.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.Write("domains.error", ("error", $"{exception.GetType().Name}: {exception.Message}"));
            }
        }
    }

    /// <summary>Graceful shutdown: stop accepting, finish sessions and deliveries in flight until the deadline, flush records.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Log.Write("relay.stopping", ("drain_s", drain.TotalSeconds));
        if (_listener is not null)
        {
            await _listener.StopAsync(drain).ConfigureAwait(false);
        }

        await _doors.StopAsync(drain).ConfigureAwait(false);
        await Runner.StopAsync(drain).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _retention.ConfigureAwait(false);
        await _recheck.ConfigureAwait(false);
        await Records.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        Log.Write("relay.stopped", ("queued", Spool.List().Count));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        await _doors.DisposeAsync().ConfigureAwait(false);
        await Runner.DisposeAsync().ConfigureAwait(false);
        await Engines.DisposeAsync().ConfigureAwait(false);
        await Alerts.DisposeAsync().ConfigureAwait(false);
        Control.Dispose();
        Triage.Dispose();
        await Records.DisposeAsync().ConfigureAwait(false);
        _certificate?.Dispose();
        _stop.Dispose();
    }
}
