using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;

namespace RelayWarden.Storage.Sqlite;

/// <summary>
/// Decision records in one SQLite file (WAL). Adds are queued and written by one background writer
/// in batches (one transaction per batch), so an SMTP session never waits on the database. Reads use a
/// second connection (WAL readers do not block the writer), so a long report never holds up the records.
/// The queue is bounded (<see cref="DefaultQueueCapacity"/>): when the writer falls that far behind — a
/// flood of refused commands faster than the disk takes their records — a decision is counted in
/// <see cref="Dropped"/> and <see cref="RelayMeters.RecordsDropped"/>, logged, and not stored, rather
/// than memory growing without end; a delivery outcome waits for room.
/// </summary>
public sealed partial class SqliteDecisionStore : IDecisionStore
{
    /// <summary>Records that may wait for the writer (at about 90 µs a record, some 6 s of writing).</summary>
    public const int DefaultQueueCapacity = 65_536;

    private const long DropLogIntervalMs = 10_000;

    private readonly SqliteConnection _connection;
    private readonly SqliteConnection _reader;
    private readonly SemaphoreSlim _readGate = new(1, 1);
    private readonly Channel<object> _queue;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Task _writer;
    private readonly Action<string>? _log;
    private long _dropped;
    private long _droppedLogged;
    private long _dropLoggedAt = -DropLogIntervalMs;

    private SqliteDecisionStore(SqliteConnection connection, SqliteConnection reader, Action<string>? log, int queueCapacity)
    {
        _connection = connection;
        _reader = reader;
        _log = log;
        _queue = Channel.CreateBounded<object>(new BoundedChannelOptions(queueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Records (and flush requests) waiting for the writer now.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>Decisions not stored because the write queue was full, since the store opened.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Opens (and creates) the database at <paramref name="path"/>.</summary>
    public static SqliteDecisionStore Open(string path, Action<string>? log = null) => Open(path, log, DefaultQueueCapacity);

    /// <summary>Opens (and creates) the database at <paramref name="path"/>, with room for <paramref name="queueCapacity"/> records waiting for the writer.</summary>
    public static SqliteDecisionStore Open(string path, Action<string>? log, int queueCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            System.IO.Directory.CreateDirectory(folder);
        }

        string connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            PRAGMA busy_timeout=5000;
            """);
        Migrate(connection, log);
        var reader = new SqliteConnection(connectionString);
        reader.Open();
        Execute(reader, "PRAGMA busy_timeout=5000; PRAGMA query_only=1;");
        return new SqliteDecisionStore(connection, reader, log, queueCapacity);
    }

    /// <summary>Queues a decision; never waits. When the queue is full the decision is counted as dropped (see the class).</summary>
    public ValueTask AddAsync(DecisionRecord record, CancellationToken cancellationToken)
    {
        if (!_queue.Writer.TryWrite(record))
        {
            Drop();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Queues a delivery outcome, waiting for room when the queue is full.</summary>
    public ValueTask AddDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(delivery, cancellationToken);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(done, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return;
        }

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Drop()
    {
        if (_queue.Reader.Completion.IsCompleted)
        {
            return; // closing: nothing is written after DisposeAsync began, as before the queue was bounded.
        }

        long dropped = Interlocked.Increment(ref _dropped);
        RelayMeters.RecordsDropped.Add(1);
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _dropLoggedAt);
        if (now - last >= DropLogIntervalMs && Interlocked.CompareExchange(ref _dropLoggedAt, now, last) == last)
        {
            long since = dropped - Interlocked.Exchange(ref _droppedLogged, dropped);
            _log?.Invoke($"event=records.dropped dropped={since} total={dropped} queue={_queue.Reader.Count} detail=\"the decision writer is behind; decisions are not stored until it catches up\"");
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<object>(256);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 512 && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                WriteBatch(batch);
            }
#pragma warning disable CA1031 // A background loop logs and goes on: records must never stop the relay.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _log?.Invoke($"event=records.error error=\"{exception.GetType().Name}: {exception.Message}\" lost={batch.Count}");
            }
            finally
            {
                _gate.Release();
            }

            foreach (var item in batch)
            {
                (item as TaskCompletionSource)?.TrySetResult();
            }
        }
    }

    private void WriteBatch(List<object> batch)
    {
        using var transaction = _connection.BeginTransaction();
        using var decision = _connection.CreateCommand();
        decision.Transaction = transaction;
        decision.CommandText = """
            INSERT OR REPLACE INTO decisions (id, time, node, stage, tenant, account, client_ip, helo, tls, auth_login, mail_from,
              from_header, sender_header, recipients, recipient_domains, message_id, size, queue_id, action, reply, reasons,
              mail_from_addr, mail_from_domain, from_addr, from_domain, sender_addr, sender_domain, rcpt_count)
            VALUES ($id,$time,$node,$stage,$tenant,$account,$ip,$helo,$tls,$login,$mailfrom,$from,$sender,$rcpts,$domains,$msgid,
              $size,$queue,$action,$reply,$reasons,$ea,$ed,$fa,$fd,$sa,$sd,$rc)
            """;
        string[] names = ["$id", "$time", "$node", "$stage", "$tenant", "$account", "$ip", "$helo", "$tls", "$login", "$mailfrom",
            "$from", "$sender", "$rcpts", "$domains", "$msgid", "$size", "$queue", "$action", "$reply", "$reasons",
            "$ea", "$ed", "$fa", "$fd", "$sa", "$sd", "$rc"];
        foreach (string name in names)
        {
            decision.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        using var exists = _connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = "SELECT time, action, rcpt_count FROM decisions WHERE id = $id";
        exists.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
        using var keyWriter = new KeyWriter(_connection, transaction);
        using var rollup = new RollupWriter(_connection, transaction);

        using var delivery = _connection.CreateCommand();
        delivery.Transaction = transaction;
        delivery.CommandText = "INSERT INTO deliveries VALUES ($queue,$time,$rcpt,$status,$detail,$attempt)";
        foreach (string name in (string[])["$queue", "$time", "$rcpt", "$status", "$detail", "$attempt"])
        {
            delivery.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        foreach (var item in batch)
        {
            if (item is DecisionRecord r)
            {
                var keys = Keys.Of(r.MailFrom, r.From, r.Sender, r.Recipients);
                object?[] values = [r.Id, r.Time.ToUnixTimeMilliseconds(), r.Node, r.Stage, r.Tenant, r.Account, r.ClientIp, r.Helo, r.Tls ? 1 : 0,
                    r.AuthLogin, r.MailFrom, r.From, r.Sender, JsonSerializer.Serialize(r.Recipients), JsonSerializer.Serialize(r.RecipientDomains),
                    r.MessageId, r.Size, r.QueueId, ActionText(r.Action), r.Reply, SerializeReasons(r.Reasons),
                    keys.MailFrom.Address, keys.MailFrom.Domain, keys.From.Address, keys.From.Domain, keys.Sender.Address, keys.Sender.Domain,
                    keys.RecipientCount];
                for (int i = 0; i < values.Length; i++)
                {
                    decision.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                exists.Parameters[0].Value = r.Id;
                bool replacing = false;
                using (var old = exists.ExecuteReader())
                {
                    if (old.Read())
                    {
                        replacing = true;
                        rollup.Add(old.GetInt64(0), Enum.Parse<VerdictAction>(old.GetString(1), ignoreCase: true), old.IsDBNull(2) ? 0 : old.GetInt64(2), [], -1);
                    }
                }

                decision.ExecuteNonQuery();
                rollup.Add(r.Time.ToUnixTimeMilliseconds(), r.Action, keys.RecipientCount, keys.Recipients.Select(k => k.Domain), 1);
                if (replacing)
                {
                    keyWriter.Replace(r.Id, keys, r.Reasons);
                }
                else
                {
                    keyWriter.Insert(r.Id, keys, r.Reasons);
                }
            }
            else if (item is DeliveryRecord d)
            {
                object?[] values = [d.QueueId, d.Time.ToUnixTimeMilliseconds(), d.Recipient, d.Status.ToString().ToLowerInvariant(), d.Detail, d.Attempt];
                for (int i = 0; i < values.Length; i++)
                {
                    delivery.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                delivery.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    public async Task<IReadOnlyList<DeliveryRecord>> DeliveriesAsync(string queueId, CancellationToken cancellationToken)
    {
        await _readGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _reader.CreateCommand();
            command.CommandText = "SELECT queue_id, time, recipient, status, detail, attempt FROM deliveries WHERE queue_id = $queue ORDER BY rowid";
            command.Parameters.AddWithValue("$queue", queueId);
            var results = new List<DeliveryRecord>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                results.Add(new DeliveryRecord
                {
                    QueueId = reader.GetString(0),
                    Time = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                    Recipient = reader.GetString(2),
                    Status = Enum.Parse<DeliveryStatus>(reader.GetString(3), ignoreCase: true),
                    Detail = Text(reader, 4),
                    Attempt = (int)reader.GetInt64(5),
                });
            }

            return results;
        }
        finally
        {
            _readGate.Release();
        }
    }

    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                DELETE FROM deliveries WHERE time < $before;
                DELETE FROM decision_recipients WHERE decision IN (SELECT id FROM decisions WHERE time < $before);
                DELETE FROM decision_rules WHERE decision IN (SELECT id FROM decisions WHERE time < $before);
                DELETE FROM activity_minute_domains WHERE minute < $before / 60000;
                DELETE FROM activity_minutes WHERE minute < $before / 60000;
                DELETE FROM decisions WHERE time < $before;
                """;
            command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            using var count = _connection.CreateCommand();
            command.ExecuteNonQuery();
            count.CommandText = "SELECT changes()";
            return Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _connection.Dispose();
        _reader.Dispose();
        _gate.Dispose();
        _readGate.Dispose();
    }

    private static string ActionText(VerdictAction action) => action.ToString().ToLowerInvariant();

    private static string? Text(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Fixed schema text.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }

    private sealed record StoredReason(string Rule, string Outcome, string Detail, string? Header, string? Address, string? Domain, string? Owner, string? Tenant);

    private static string SerializeReasons(IReadOnlyList<Reason> reasons) =>
        JsonSerializer.Serialize(reasons.Select(r => new StoredReason(r.Rule, r.Outcome.ToString().ToLowerInvariant(), r.Detail,
            r.Evidence.Header, r.Evidence.Address, r.Evidence.Domain, r.Evidence.Owner, r.Evidence.Tenant)).ToArray());

    private static Reason[] DeserializeReasons(string json) =>
        (JsonSerializer.Deserialize<StoredReason[]>(json) ?? []).Select(r => new Reason(r.Rule, Enum.Parse<ReasonOutcome>(r.Outcome, ignoreCase: true), r.Detail,
            new Evidence { Header = r.Header, Address = r.Address, Domain = r.Domain, Owner = r.Owner, Tenant = r.Tenant })).ToArray();
}
