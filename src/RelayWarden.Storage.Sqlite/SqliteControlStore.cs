using System.Globalization;
using Microsoft.Data.Sqlite;
using RelayWarden.Core.Control;
using RelayWarden.Core.Policy;
using static RelayWarden.Storage.Sqlite.Sql;

namespace RelayWarden.Storage.Sqlite;

/// <summary>
/// The control store in one SQLite file (WAL, <c>data_dir/control.db</c>), shared by the running host
/// and the CLI. Each change runs in one transaction with its audit row and bumps a change counter
/// that the host polls. Calls are serialized on one connection.
/// </summary>
public sealed partial class SqliteControlStore : IControlStore
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteControlStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (and creates) the database at <paramref name="path"/>.</summary>
    public static SqliteControlStore Open(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            System.IO.Directory.CreateDirectory(folder);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        try
        {
            Execute(connection, null, """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=NORMAL;
                PRAGMA busy_timeout=5000;
                CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), changes INTEGER NOT NULL);
                INSERT OR IGNORE INTO meta VALUES (1, 0);
                CREATE TABLE IF NOT EXISTS suspensions (
                  scope TEXT NOT NULL, key TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL, why TEXT,
                  PRIMARY KEY (scope, key));
                CREATE TABLE IF NOT EXISTS blocks (
                  kind TEXT NOT NULL, value TEXT NOT NULL, expires INTEGER, by TEXT, at INTEGER, why TEXT,
                  PRIMARY KEY (kind, value));
                CREATE TABLE IF NOT EXISTS audit (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, by TEXT NOT NULL, action TEXT NOT NULL,
                  subject TEXT NOT NULL, why TEXT);
                CREATE INDEX IF NOT EXISTS audit_subject ON audit(subject, id);
                CREATE TABLE IF NOT EXISTS alerts (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, rule TEXT NOT NULL, scope TEXT NOT NULL,
                  key TEXT NOT NULL, action TEXT NOT NULL, severity TEXT NOT NULL, evidence TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS alerts_key ON alerts(key, id);
                """);
            CreateDirectoryTables(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new SqliteControlStore(connection);
    }

    public long ChangeCounter()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT changes FROM meta WHERE id = 1";
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    public IReadOnlyList<Suspension> Suspensions()
    {
        lock (_gate)
        {
            return ReadSuspensions("SELECT scope, key, by, at, why FROM suspensions ORDER BY at", null);
        }
    }

    public Suspension? FindSuspension(SuspensionScope scope, string key)
    {
        lock (_gate)
        {
            var found = ReadSuspensions("SELECT scope, key, by, at, why FROM suspensions WHERE scope = $a AND key = $b", [Scope(scope), key]);
            return found.Count == 0 ? null : found[0];
        }
    }

    public bool Suspend(Suspension suspension)
    {
        ArgumentNullException.ThrowIfNull(suspension);
        return Change(transaction =>
        {
            int inserted = Execute(_connection, transaction, "INSERT OR IGNORE INTO suspensions VALUES ($a, $b, $c, $d, $e)",
                Scope(suspension.Scope), suspension.Key, suspension.By, suspension.At.ToUnixTimeMilliseconds(), suspension.Why);
            if (inserted == 0)
            {
                return false;
            }

            Audit(transaction, suspension.At, suspension.By, "account.suspend", ControlSubjects.For(suspension.Scope, suspension.Key), suspension.Why);
            return true;
        });
    }

    public bool Resume(SuspensionScope scope, string key, string by, DateTimeOffset at, string? why) => Change(transaction =>
    {
        if (Execute(_connection, transaction, "DELETE FROM suspensions WHERE scope = $a AND key = $b", Scope(scope), key) == 0)
        {
            return false;
        }

        Audit(transaction, at, by, "account.resume", ControlSubjects.For(scope, key), why);
        return true;
    });

    public IReadOnlyList<BlockEntry> Blocks()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT kind, value, expires, why, by, at FROM blocks ORDER BY kind, value";
            using var reader = command.ExecuteReader();
            var entries = new List<BlockEntry>();
            while (reader.Read())
            {
                entries.Add(new BlockEntry(Enum.Parse<BlockKind>(reader.GetString(0), ignoreCase: true), reader.GetString(1), Time(reader, 2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), Time(reader, 5)));
            }

            return entries;
        }
    }

    public void AddBlock(BlockEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        DateTimeOffset at = entry.AddedAt ?? DateTimeOffset.UnixEpoch;
        Change(transaction =>
        {
            Execute(_connection, transaction, "INSERT OR REPLACE INTO blocks VALUES ($a, $b, $c, $d, $e, $f)",
                Kind(entry.Kind), entry.Value, entry.ExpiresAt?.ToUnixTimeMilliseconds(), entry.AddedBy, at.ToUnixTimeMilliseconds(), entry.Reason);
            string why = entry.ExpiresAt is { } expires ? $"{entry.Reason} (expires {expires.ToString("u", CultureInfo.InvariantCulture)})".TrimStart() : entry.Reason ?? string.Empty;
            Audit(transaction, at, entry.AddedBy ?? "unknown", "block.add", ControlSubjects.For(entry.Kind, entry.Value), why.Length == 0 ? null : why);
            return true;
        });
    }

    public bool RemoveBlock(BlockKind kind, string value, string by, DateTimeOffset at, string? why) => Change(transaction =>
    {
        if (Execute(_connection, transaction, "DELETE FROM blocks WHERE kind = $a AND value = $b", Kind(kind), value) == 0)
        {
            return false;
        }

        Audit(transaction, at, by, "block.remove", ControlSubjects.For(kind, value), why);
        return true;
    });

    public IReadOnlyList<AuditEntry> History(string? subject, int limit) =>
        Newest("SELECT id, at, by, action, subject, why FROM audit", "subject", subject, limit,
            reader => new AuditEntry(reader.GetInt64(0), Time(reader, 1)!.Value, reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));

    /// <summary>The newest <paramref name="limit"/> rows of <paramref name="select"/>, all or those whose <paramref name="column"/> is <paramref name="value"/>.</summary>
    private List<T> Newest<T>(string select, string column, string? value, int limit, Func<SqliteDataReader, T> map)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = value is null
                ? $"{select} ORDER BY id DESC LIMIT $n"
                : $"{select} WHERE {column} = $v ORDER BY id DESC LIMIT $n";
            command.Parameters.AddWithValue("$n", limit);
            if (value is not null)
            {
                command.Parameters.AddWithValue("$v", value);
            }

            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(map(reader));
            }

            return rows;
        }
    }

    public long AddAlert(StoredAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO alerts (at, rule, scope, key, action, severity, evidence) VALUES ($a, $b, $c, $d, $e, $f, $g); SELECT last_insert_rowid();";
            Bind(command, alert.At.ToUnixTimeMilliseconds(), alert.Rule, alert.Scope, alert.Key, alert.Action, alert.Severity, alert.EvidenceJson);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    public IReadOnlyList<StoredAlert> Alerts(string? key, int limit) =>
        Newest("SELECT id, at, rule, scope, key, action, severity, evidence FROM alerts", "key", key, limit,
            reader => new StoredAlert(reader.GetInt64(0), Time(reader, 1)!.Value, reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetString(6), reader.GetString(7)));

    public void Dispose() => _connection.Dispose();

    private bool Change(Func<SqliteTransaction, bool> change)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            if (!change(transaction))
            {
                transaction.Rollback();
                return false;
            }

            Execute(_connection, transaction, "UPDATE meta SET changes = changes + 1 WHERE id = 1");
            transaction.Commit();
            return true;
        }
    }

    private void Audit(SqliteTransaction transaction, DateTimeOffset at, string by, string action, string subject, string? why) =>
        Sql.Audit(_connection, transaction, at, by, action, subject, why);

    private List<Suspension> ReadSuspensions(string sql, object?[]? values)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        if (values is not null)
        {
            Bind(command, values);
        }

        using var reader = command.ExecuteReader();
        var found = new List<Suspension>();
        while (reader.Read())
        {
            found.Add(new Suspension(reader.GetString(0) == "tenant" ? SuspensionScope.Tenant : SuspensionScope.Account, reader.GetString(1),
                reader.GetString(2), Time(reader, 3)!.Value, reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return found;
    }

    private static string Scope(SuspensionScope scope) => scope == SuspensionScope.Tenant ? "tenant" : "account";

    private static string Kind(BlockKind kind) => kind.ToString().ToLowerInvariant();

    private static DateTimeOffset? Time(SqliteDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(column));
}
