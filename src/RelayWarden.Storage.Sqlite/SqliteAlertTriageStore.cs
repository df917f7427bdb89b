using System.Globalization;
using Microsoft.Data.Sqlite;
using RelayWarden.Core.Control;

namespace RelayWarden.Storage.Sqlite;

/// <summary>
/// Alert dismissals and monitor allowances in the control database (<c>control.db</c>, WAL), on a
/// connection of its own, beside the <c>alerts</c> table they refer to. Audit rows go to the control
/// store's <c>audit</c> table in the same transaction.
/// </summary>
public sealed class SqliteAlertTriageStore : IAlertTriageStore
{
    private const string AlertColumns = "a.id, a.at, a.rule, a.scope, a.key, a.action, a.severity, a.evidence, d.by, d.at, d.reason";

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteAlertTriageStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens the triage tables of the control database at <paramref name="path"/> (created by <see cref="SqliteControlStore"/> first).</summary>
    public static SqliteAlertTriageStore Open(string path)
    {
        SqliteControlStore.Open(path).Dispose(); // creates the file, WAL mode, the alerts and audit tables
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        try
        {
            Sql.Execute(connection, null, """
                PRAGMA busy_timeout=5000;
                CREATE TABLE IF NOT EXISTS alert_dismissals (
                  alert_id INTEGER PRIMARY KEY, by TEXT NOT NULL, at INTEGER NOT NULL, reason TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS monitor_allowances (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, by TEXT NOT NULL,
                  at INTEGER NOT NULL, until INTEGER, reason TEXT NOT NULL, removed INTEGER NOT NULL DEFAULT 0);
                """);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new SqliteAlertTriageStore(connection);
    }

    public TriagedAlert? FindAlert(long id)
    {
        var found = ReadAlerts($"SELECT {AlertColumns} FROM alerts a LEFT JOIN alert_dismissals d ON d.alert_id = a.id WHERE a.id = $a", id);
        return found.Count == 0 ? null : found[0];
    }

    public IReadOnlyList<TriagedAlert> Alerts(bool? open, string? key, int limit)
    {
        string where = open switch
        {
            true => "d.alert_id IS NULL",
            false => "d.alert_id IS NOT NULL",
            null => "1 = 1",
        };
        return ReadAlerts($"SELECT {AlertColumns} FROM alerts a LEFT JOIN alert_dismissals d ON d.alert_id = a.id WHERE {where} AND ($a IS NULL OR a.key = $a) ORDER BY a.id DESC LIMIT $b",
            key, Math.Clamp(limit, 1, 10_000));
    }

    public int OpenCount()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM alert_dismissals d WHERE d.alert_id = a.id)";
            return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    public bool Dismiss(long alertId, string by, DateTimeOffset at, string reason, bool allow, DateTimeOffset? allowUntil, out MonitorAllowance? allowance)
    {
        MonitorAllowance? created = null;
        bool done;
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            string? rule = null;
            string? key = null;
            string scope = "account";
            using (var find = _connection.CreateCommand())
            {
                find.Transaction = transaction;
                find.CommandText = "SELECT rule, key, scope FROM alerts WHERE id = $a AND NOT EXISTS (SELECT 1 FROM alert_dismissals WHERE alert_id = $a)";
                Sql.Bind(find, alertId);
                using var reader = find.ExecuteReader();
                if (reader.Read())
                {
                    rule = reader.GetString(0);
                    key = reader.GetString(1);
                    scope = reader.GetString(2);
                }
            }

            if (rule is null || key is null)
            {
                transaction.Rollback();
                allowance = null;
                return false;
            }

            string id = alertId.ToString(CultureInfo.InvariantCulture);
            Sql.Execute(_connection, transaction, "INSERT INTO alert_dismissals VALUES ($a, $b, $c, $d)", alertId, by, at.ToUnixTimeMilliseconds(), reason);
            Audit(transaction, at, by, "alert.dismiss", "alert:" + id, $"{rule} on {key}: {reason}");
            if (allow)
            {
                using var insert = _connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO monitor_allowances (rule, scope, key, by, at, until, reason) VALUES ($a, $b, $c, $d, $e, $f, $g); SELECT last_insert_rowid();";
                Sql.Bind(insert, rule, scope, key, by, at.ToUnixTimeMilliseconds(), allowUntil?.ToUnixTimeMilliseconds(), reason);
                long allowanceId = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
                created = new MonitorAllowance(allowanceId, rule, key, by, at, allowUntil, reason);
                string until = allowUntil is { } u ? "until " + u.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "until withdrawn";
                Audit(transaction, at, by, "monitor.allow", Subject(scope, key), $"{rule} {until} (alert {id}): {reason}");
            }

            transaction.Commit();
            done = true;
        }

        allowance = created;
        return done;
    }

    public IReadOnlyList<MonitorAllowance> Allowances(DateTimeOffset? now)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, rule, key, by, at, until, reason FROM monitor_allowances WHERE removed = 0 AND ($a IS NULL OR until IS NULL OR until > $a) ORDER BY id DESC";
            Sql.Bind(command, now?.ToUnixTimeMilliseconds());
            using var reader = command.ExecuteReader();
            var rows = new List<MonitorAllowance>();
            while (reader.Read())
            {
                rows.Add(new MonitorAllowance(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                    reader.GetString(6)));
            }

            return rows;
        }
    }

    public bool RemoveAllowance(long id, string by, DateTimeOffset at, string? why)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            string? rule = null;
            string key = string.Empty;
            string scope = "account";
            using (var find = _connection.CreateCommand())
            {
                find.Transaction = transaction;
                find.CommandText = "SELECT rule, key, scope FROM monitor_allowances WHERE id = $a AND removed = 0";
                Sql.Bind(find, id);
                using var reader = find.ExecuteReader();
                if (reader.Read())
                {
                    rule = reader.GetString(0);
                    key = reader.GetString(1);
                    scope = reader.GetString(2);
                }
            }

            if (rule is null)
            {
                transaction.Rollback();
                return false;
            }

            Sql.Execute(_connection, transaction, "UPDATE monitor_allowances SET removed = 1 WHERE id = $a", id);
            Audit(transaction, at, by, "monitor.disallow", Subject(scope, key), why is null ? rule : $"{rule}: {why}");
            transaction.Commit();
            return true;
        }
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>The audit subject of a monitor key: <c>account:KEY</c>, <c>tenant:ID</c>, <c>clientip:IP</c>, <c>sender:ADDRESS</c>.</summary>
    private static string Subject(string scope, string key) => $"{scope}:{key}";

    private void Audit(SqliteTransaction transaction, DateTimeOffset at, string by, string action, string subject, string? why) =>
        Sql.Audit(_connection, transaction, at, by, action, subject, why);

    private List<TriagedAlert> ReadAlerts(string sql, params object?[] values)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
#pragma warning disable CA2100 // Constant SQL; values are parameters.
            command.CommandText = sql;
#pragma warning restore CA2100
            Sql.Bind(command, values);
            using var reader = command.ExecuteReader();
            var rows = new List<TriagedAlert>();
            while (reader.Read())
            {
                long alertId = reader.GetInt64(0);
                var alert = new StoredAlert(alertId, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2), reader.GetString(3),
                    reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7));
                var dismissal = reader.IsDBNull(8) ? null
                    : new AlertDismissal(alertId, reader.GetString(8), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)), reader.GetString(10));
                rows.Add(new TriagedAlert(alert, dismissal));
            }

            return rows;
        }
    }
}
