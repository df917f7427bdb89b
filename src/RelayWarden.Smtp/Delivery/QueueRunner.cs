using System.Collections.Concurrent;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Records;
using RelayWarden.Smtp.Spool;

namespace RelayWarden.Smtp.Delivery;

/// <summary>Settings of the queue runner.</summary>
public sealed record QueueRunnerOptions
{
    /// <summary>First retry delay after a temporary failure (<c>relay.retry_initial</c>). Default 60 s; doubles each attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest delay between attempts. Default 1 hour.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A message still undelivered after this long bounces (<c>relay.max_age</c>). Default 5 days (RFC 5321 4.5.4.1 suggests 4-5 days).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(5);

    /// <summary>Messages delivered at once (<c>relay.delivery_concurrency</c>). Default 8.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>How often the spool folder is scanned even without news. Default 1 s.</summary>
    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The name in DSNs (Reporting-MTA, MAILER-DAEMON@).</summary>
    public string Hostname { get; init; } = "localhost";
}

/// <summary>
/// Delivers spooled messages to the next hop, per recipient, with exponential backoff; a message
/// is removed from the spool only when every recipient is done (at least once, never zero). On a
/// permanent failure a DSN goes to the envelope sender (never to the null sender).
/// </summary>
public sealed class QueueRunner : IAsyncDisposable
{
    private readonly MessageSpool _spool;
    private readonly IDeliveryTransport _transport;
    private readonly IDecisionStore? _records;
    private readonly RelayLog _log;
    private readonly TimeProvider _time;
    private readonly QueueRunnerOptions _options;
    private readonly ConcurrentDictionary<string, Task> _inFlight = new();
    private readonly Dictionary<string, DateTimeOffset> _schedule = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _scanStop = new();
    private Task? _loop;

    public QueueRunner(MessageSpool spool, IDeliveryTransport transport, IDecisionStore? records, RelayLog log, TimeProvider time, QueueRunnerOptions options)
    {
        _spool = spool;
        _transport = transport;
        _records = records;
        _log = log;
        _time = time;
        _options = options;
        _slots = new SemaphoreSlim(options.Concurrency);
        _spool.Queued += Wake;
    }

    /// <summary>Messages delivered (every recipient done) since start.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    private long _completed;

    /// <summary>The shared monitor: permanent delivery failures count as refused recipients of the submitting account.</summary>
    public IMonitorGate? Monitor { get; set; }

    public void Start() => _loop = Task.Run(LoopAsync);

    /// <summary>Asks for a scan now.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private async Task LoopAsync()
    {
        int scans = 0;
        while (!_scanStop.IsCancellationRequested)
        {
            try
            {
                if (++scans % 30 == 0 || _spool.TakeFlushRequest())
                {
                    lock (_schedule)
                    {
                        _schedule.Clear(); // re-read states: an operator may have flushed or deleted.
                    }
                }

                await ScanAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The background loop logs and goes on.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _log.Write("queue.error", ("error", $"{exception.GetType().Name}: {exception.Message}"));
            }

            try
            {
                await _wake.WaitAsync(_options.ScanInterval, _scanStop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ScanAsync()
    {
        var now = _time.GetUtcNow();
        foreach (string id in _spool.List())
        {
            if (_scanStop.IsCancellationRequested)
            {
                return;
            }

            if (_inFlight.ContainsKey(id))
            {
                continue;
            }

            DateTimeOffset due;
            lock (_schedule)
            {
                if (!_schedule.TryGetValue(id, out due))
                {
                    due = _spool.ReadState(id).NextAttempt;
                    _schedule[id] = due;
                }
            }

            if (due > now)
            {
                continue;
            }

            try
            {
                await _slots.WaitAsync(_scanStop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var task = Task.Run(() => AttemptAsync(id));
            _inFlight[id] = task;
            _ = task.ContinueWith(_ =>
            {
                _inFlight.TryRemove(id, out Task? _);
                _slots.Release();
            }, TaskScheduler.Default);
        }
    }

    private async Task AttemptAsync(string id)
    {
        try
        {
            if (!_spool.TryRead(id, out var envelope, out var content))
            {
                Forget(id);
                return;
            }

            var state = _spool.ReadState(id);
            var pending = envelope.Recipients.Where(r => !state.Done.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
            int attempt = state.Attempts + 1;
            long attemptStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            var results = pending.Count == 0 ? [] : await _transport.DeliverAsync(id, envelope.MailFrom, pending, content, _stop.Token).ConfigureAwait(false);
            if (pending.Count > 0)
            {
                RelayMeters.DeliverySeconds.Record(System.Diagnostics.Stopwatch.GetElapsedTime(attemptStarted).TotalSeconds);
            }

            var now = _time.GetUtcNow();
            bool expired = now - envelope.Received >= _options.MaxAge;
            var done = new List<string>(state.Done);
            var failed = new List<FailedRecipient>(state.Failed);
            string? lastError = null;
            int refused = 0;
            foreach (var result in results)
            {
                var outcome = result.Outcome;
                string detail = result.Detail;
                if (outcome == RecipientOutcome.Transient && expired)
                {
                    outcome = RecipientOutcome.Permanent;
                    detail = $"gave up after {_options.MaxAge.TotalHours:0.#} h: {detail}";
                }

                var status = outcome switch
                {
                    RecipientOutcome.Delivered => DeliveryStatus.Delivered,
                    RecipientOutcome.Transient => DeliveryStatus.Deferred,
                    _ => DeliveryStatus.Failed,
                };
                RelayMeters.Deliveries.Add(1, new KeyValuePair<string, object?>("status", status switch
                {
                    DeliveryStatus.Delivered => "delivered",
                    DeliveryStatus.Deferred => "deferred",
                    _ => "failed",
                }));
                _log.Write("queue.delivery", ("queue_id", id), ("rcpt", result.Recipient), ("status", status.ToString().ToLowerInvariant()),
                    ("attempt", attempt), ("via", _transport.Name), ("detail", detail));
                if (_records is not null)
                {
                    await _records.AddDeliveryAsync(new DeliveryRecord { QueueId = id, Time = now, Recipient = result.Recipient, Status = status, Detail = detail, Attempt = attempt }, CancellationToken.None).ConfigureAwait(false);
                }

                switch (outcome)
                {
                    case RecipientOutcome.Delivered:
                        done.Add(result.Recipient);
                        break;
                    case RecipientOutcome.Permanent:
                        refused++;
                        done.Add(result.Recipient);
                        failed.Add(new FailedRecipient(result.Recipient, result.Status.StartsWith('5') ? result.Status : "5.4.7", detail));
                        break;
                    default:
                        lastError = detail;
                        break;
                }
            }

            if (refused > 0 && envelope.Account is { } account && Monitor is { } monitor)
            {
                monitor.ObserveRefused(account, now, refused);
            }

            if (done.Count < envelope.Recipients.Count)
            {
                var delay = TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, _options.InitialRetryDelay.Ticks * (1L << Math.Min(attempt - 1, 20))));
                var next = now + delay;
                await _spool.WriteStateAsync(id, new SpoolState { Attempts = attempt, NextAttempt = next, Done = done, Failed = failed, LastError = lastError }).ConfigureAwait(false);
                lock (_schedule)
                {
                    _schedule[id] = next;
                }

                return;
            }

            if (failed.Count > 0)
            {
                await BounceAsync(envelope, failed, content).ConfigureAwait(false);
            }

            _spool.Delete(id);
            Forget(id);
            Interlocked.Increment(ref _completed);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Shutdown: the message stays spooled and is retried at the next start.
        }
#pragma warning disable CA1031 // One broken message must not stop the runner.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _log.Write("queue.error", ("queue_id", id), ("error", $"{exception.GetType().Name}: {exception.Message}"));
            lock (_schedule)
            {
                _schedule[id] = _time.GetUtcNow() + _options.InitialRetryDelay;
            }
        }
    }

    private async Task BounceAsync(SpoolEnvelope envelope, IReadOnlyList<FailedRecipient> failed, ReadOnlyMemory<byte> content)
    {
        if (envelope.MailFrom.Length == 0 || envelope.IsDsn)
        {
            _log.Write("queue.bounce-dropped", ("queue_id", envelope.Id), ("reason", "null sender: no DSN"), ("failed", failed.Count));
            return;
        }

        var now = _time.GetUtcNow();
        byte[] dsn = DsnBuilder.Build(_options.Hostname, envelope, failed, content, now);
        string id = _spool.NewId();
        await _spool.StoreAsync(new SpoolEnvelope
        {
            Id = id,
            MailFrom = string.Empty,
            Recipients = [envelope.MailFrom],
            Received = now,
            IsDsn = true,
        }, ReadOnlyMemory<byte>.Empty, dsn).ConfigureAwait(false);
        _log.Write("queue.bounce", ("queue_id", envelope.Id), ("dsn_id", id), ("to", envelope.MailFrom), ("failed", failed.Count));
    }

    private void Forget(string id)
    {
        lock (_schedule)
        {
            _schedule.Remove(id);
        }
    }

    /// <summary>Stops scanning; deliveries in flight get <paramref name="drain"/> to finish, then are cancelled (their messages stay spooled).</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        _spool.Queued -= Wake;
        await _scanStop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        var inFlight = Task.WhenAll(_inFlight.Values);
        if (await Task.WhenAny(inFlight, Task.Delay(drain)).ConfigureAwait(false) != inFlight)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(inFlight, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        _stop.Dispose();
        _scanStop.Dispose();
        _wake.Dispose();
        _slots.Dispose();
    }
}
