using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;

namespace RelayWarden.Storage.Sqlite;

/// <summary>
/// Decision records in one SQLite file (WAL). Adds are queued and written by one background writer
/// in batches (one transaction per batch), so an SMTP session never waits on the database.
/// </summary>
public sealed class SqliteDecisionStore : IDecisionStore
{
    private readonly SqliteConnection _connection;
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Task _writer;
    private readonly Action<string>? _log;

    private SqliteDecisionStore(SqliteConnection connection, Action<string>? log)
    {
        _connection = connection;
        _log = log;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Opens (and creates) the database at <paramref name="path"/>.</summary>
    public static SqliteDecisionStore Open(string path, Action<string>? log = null)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            System.IO.Directory.CreateDirectory(folder);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            PRAGMA busy_timeout=5000;
            CREATE TABLE IF NOT EXISTS decisions (
              id TEXT PRIMARY KEY, time INTEGER NOT NULL, node TEXT, stage TEXT NOT NULL, tenant TEXT, account TEXT,
              client_ip TEXT, helo TEXT, tls INTEGER NOT NULL, auth_login TEXT, mail_from TEXT, from_header TEXT,
              sender_header TEXT, recipients TEXT NOT NULL, recipient_domains TEXT NOT NULL, message_id TEXT,
              size INTEGER NOT NULL, queue_id TEXT, action TEXT NOT NULL, reply TEXT NOT NULL, reasons TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS decisions_time ON decisions(time);
            CREATE INDEX IF NOT EXISTS decisions_tenant ON decisions(tenant, time);
            CREATE INDEX IF NOT EXISTS decisions_queue ON decisions(queue_id);
            CREATE INDEX IF NOT EXISTS decisions_account ON decisions(account, time);
            CREATE TABLE IF NOT EXISTS deliveries (
              queue_id TEXT NOT NULL, time INTEGER NOT NULL, recipient TEXT NOT NULL, status TEXT NOT NULL,
              detail TEXT, attempt INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS deliveries_queue ON deliveries(queue_id);
            CREATE INDEX IF NOT EXISTS deliveries_time ON deliveries(time);
            """);
        return new SqliteDecisionStore(connection, log);
    }

    public ValueTask AddAsync(DecisionRecord record, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(record, cancellationToken);

    public ValueTask AddDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(delivery, cancellationToken);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(done))
        {
            return;
        }

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
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
            INSERT OR REPLACE INTO decisions VALUES ($id,$time,$node,$stage,$tenant,$account,$ip,$helo,$tls,$login,$mailfrom,
              $from,$sender,$rcpts,$domains,$msgid,$size,$queue,$action,$reply,$reasons)
            """;
        string[] names = ["$id", "$time", "$node", "$stage", "$tenant", "$account", "$ip", "$helo", "$tls", "$login", "$mailfrom",
            "$from", "$sender", "$rcpts", "$domains", "$msgid", "$size", "$queue", "$action", "$reply", "$reasons"];
        foreach (string name in names)
        {
            decision.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

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
                object?[] values = [r.Id, r.Time.ToUnixTimeMilliseconds(), r.Node, r.Stage, r.Tenant, r.Account, r.ClientIp, r.Helo, r.Tls ? 1 : 0,
                    r.AuthLogin, r.MailFrom, r.From, r.Sender, JsonSerializer.Serialize(r.Recipients), JsonSerializer.Serialize(r.RecipientDomains),
                    r.MessageId, r.Size, r.QueueId, r.Action.ToString().ToLowerInvariant(), r.Reply, SerializeReasons(r.Reasons)];
                for (int i = 0; i < values.Length; i++)
                {
                    decision.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                decision.ExecuteNonQuery();
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

    public async Task<IReadOnlyList<DecisionRecord>> QueryAsync(DecisionQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _connection.CreateCommand();
            var where = new List<string>();
            void Filter(string column, string name, object? value)
            {
                if (value is not null)
                {
                    where.Add($"{column} = {name}");
                    command.Parameters.AddWithValue(name, value);
                }
            }

            Filter("tenant", "$tenant", query.Tenant);
            Filter("client_ip", "$ip", query.ClientIp);
            Filter("account", "$account", query.Account);
            Filter("queue_id", "$queue", query.QueueId);
            Filter("message_id", "$msgid", query.MessageId);
            if (query.Since is { } since)
            {
                where.Add("time >= $since");
                command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
            }

            command.Parameters.AddWithValue("$limit", query.Limit);
#pragma warning disable CA2100 // Only fixed column names are concatenated; every value is a parameter.
            command.CommandText = $"SELECT * FROM decisions {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : string.Empty)} ORDER BY time DESC, rowid DESC LIMIT $limit";
#pragma warning restore CA2100
            var results = new List<DecisionRecord>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                results.Add(new DecisionRecord
                {
                    Id = reader.GetString(0),
                    Time = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                    Node = Text(reader, 2),
                    Stage = reader.GetString(3),
                    Tenant = Text(reader, 4),
                    Account = Text(reader, 5),
                    ClientIp = Text(reader, 6),
                    Helo = Text(reader, 7),
                    Tls = reader.GetInt64(8) != 0,
                    AuthLogin = Text(reader, 9),
                    MailFrom = Text(reader, 10),
                    From = Text(reader, 11),
                    Sender = Text(reader, 12),
                    Recipients = JsonSerializer.Deserialize<string[]>(reader.GetString(13)) ?? [],
                    RecipientDomains = JsonSerializer.Deserialize<string[]>(reader.GetString(14)) ?? [],
                    MessageId = Text(reader, 15),
                    Size = reader.GetInt64(16),
                    QueueId = Text(reader, 17),
                    Action = Enum.Parse<VerdictAction>(reader.GetString(18), ignoreCase: true),
                    Reply = reader.GetString(19),
                    Reasons = DeserializeReasons(reader.GetString(20)),
                });
            }

            return results;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<DeliveryRecord>> DeliveriesAsync(string queueId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _connection.CreateCommand();
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
            _gate.Release();
        }
    }

    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM deliveries WHERE time < $before; DELETE FROM decisions WHERE time < $before;";
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
        _gate.Dispose();
    }

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
