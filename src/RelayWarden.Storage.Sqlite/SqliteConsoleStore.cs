using System.Globalization;
using Microsoft.Data.Sqlite;
using RelayWarden.Core.Control;

namespace RelayWarden.Storage.Sqlite;

/// <summary>
/// Operators, API tokens and console audit entries in the control database (<c>control.db</c>, WAL),
/// on a connection of its own. The audit rows go to the control store's <c>audit</c> table, so one
/// trail holds every change whoever made it (CLI, monitor, console).
/// </summary>
public sealed class SqliteConsoleStore : IConsoleStore
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteConsoleStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens the console tables of the control database at <paramref name="path"/> (opened by <see cref="SqliteControlStore"/> first).</summary>
    public static SqliteConsoleStore Open(string path)
    {
        SqliteControlStore.Open(path).Dispose(); // creates the file, WAL mode and the audit table
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        try
        {
            Sql.Execute(connection, null, """
                PRAGMA busy_timeout=5000;
                CREATE TABLE IF NOT EXISTS operators (
                  name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created INTEGER NOT NULL,
                  disabled INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE IF NOT EXISTS api_tokens (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
                  created INTEGER NOT NULL, last_used INTEGER, revoked INTEGER NOT NULL DEFAULT 0);
                """);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new SqliteConsoleStore(connection);
    }

    public IReadOnlyList<Operator> Operators() => ReadOperators("SELECT name, role, created, disabled FROM operators ORDER BY name", null);

    public Operator? FindOperator(string name)
    {
        var found = ReadOperators("SELECT name, role, created, disabled FROM operators WHERE name = $a", name);
        return found.Count == 0 ? null : found[0];
    }

    public string? PasswordHashOf(string name)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT password_hash FROM operators WHERE name = $a";
            Sql.Bind(command, name);
            return command.ExecuteScalar() as string;
        }
    }

    public bool AddOperator(Operator account, string passwordHash, string by, string? why)
    {
        ArgumentNullException.ThrowIfNull(account);
        return Change(transaction =>
        {
            int inserted = Sql.Execute(_connection, transaction, "INSERT OR IGNORE INTO operators VALUES ($a, $b, $c, $d, $e)",
                account.Name, Role(account.Role), passwordHash, account.CreatedAt.ToUnixTimeMilliseconds(), account.Disabled ? 1 : 0);
            if (inserted == 0)
            {
                return false;
            }

            AuditIn(transaction, account.CreatedAt, by, "operator.add", "operator:" + account.Name, why ?? "role " + Role(account.Role));
            return true;
        });
    }

    public bool UpdateOperator(string name, OperatorRole role, bool disabled, string? passwordHash, string by, DateTimeOffset at, string? why) =>
        Change(transaction =>
        {
            int updated = Sql.Execute(_connection, transaction,
                "UPDATE operators SET role = $b, disabled = $c, password_hash = COALESCE($d, password_hash) WHERE name = $a",
                name, Role(role), disabled ? 1 : 0, passwordHash);
            if (updated == 0)
            {
                return false;
            }

            string what = $"role {Role(role)}{(disabled ? ", disabled" : string.Empty)}{(passwordHash is null ? string.Empty : ", password changed")}";
            AuditIn(transaction, at, by, "operator.update", "operator:" + name, why is null ? what : $"{what}: {why}");
            return true;
        });

    public ApiToken AddToken(string name, OperatorRole role, string tokenHash, string by, DateTimeOffset at)
    {
        long id = 0;
        Change(transaction =>
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO api_tokens (name, role, hash, created) VALUES ($a, $b, $c, $d); SELECT last_insert_rowid();";
            Sql.Bind(command, name, Role(role), tokenHash, at.ToUnixTimeMilliseconds());
            id = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
            AuditIn(transaction, at, by, "token.create", $"token:{id.ToString(CultureInfo.InvariantCulture)}", $"{name} ({Role(role)})");
            return true;
        });
        return new ApiToken(id, name, role, at, null, false);
    }

    public ApiToken? UseToken(string tokenHash, DateTimeOffset at)
    {
        lock (_gate)
        {
            var found = ReadTokens("SELECT id, name, role, created, last_used, revoked FROM api_tokens WHERE hash = $a AND revoked = 0", tokenHash);
            if (found.Count == 0)
            {
                return null;
            }

            // One write a minute at most per token: a script polling the API does not turn reads into writes.
            if (found[0].LastUsedAt is not { } last || at - last > TimeSpan.FromMinutes(1))
            {
                Sql.Execute(_connection, null, "UPDATE api_tokens SET last_used = $a WHERE id = $b", at.ToUnixTimeMilliseconds(), found[0].Id);
            }

            return found[0];
        }
    }

    public IReadOnlyList<ApiToken> Tokens()
    {
        lock (_gate)
        {
            return ReadTokens("SELECT id, name, role, created, last_used, revoked FROM api_tokens ORDER BY id", null);
        }
    }

    public bool RevokeToken(long id, string by, DateTimeOffset at, string? why) => Change(transaction =>
    {
        if (Sql.Execute(_connection, transaction, "UPDATE api_tokens SET revoked = 1 WHERE id = $a AND revoked = 0", id) == 0)
        {
            return false;
        }

        AuditIn(transaction, at, by, "token.revoke", $"token:{id.ToString(CultureInfo.InvariantCulture)}", why);
        return true;
    });

    public void Audit(DateTimeOffset at, string by, string action, string subject, string? why) => Change(transaction =>
    {
        AuditIn(transaction, at, by, action, subject, why);
        return true;
    });

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

            transaction.Commit();
            return true;
        }
    }

    private void AuditIn(SqliteTransaction transaction, DateTimeOffset at, string by, string action, string subject, string? why) =>
        Sql.Audit(_connection, transaction, at, by, action, subject, why);

    private List<Operator> ReadOperators(string sql, string? value)
    {
        lock (_gate)
        {
            return Rows(sql, value, reader => new Operator(reader.GetString(0), ParseRole(reader.GetString(1)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt64(3) != 0));
        }
    }

    private List<ApiToken> ReadTokens(string sql, string? value) =>
        Rows(sql, value, reader => new ApiToken(reader.GetInt64(0), reader.GetString(1), ParseRole(reader.GetString(2)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            reader.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt64(5) != 0));

    /// <summary>The rows of a query with at most one parameter (<c>$a</c>); the caller holds the lock.</summary>
    private List<T> Rows<T>(string sql, string? value, Func<SqliteDataReader, T> map)
    {
        using var command = _connection.CreateCommand();
#pragma warning disable CA2100 // Constant SQL; values are parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        if (value is not null)
        {
            Sql.Bind(command, value);
        }

        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static string Role(OperatorRole role) => role == OperatorRole.Admin ? "admin" : "analyst";

    private static OperatorRole ParseRole(string role) => role == "admin" ? OperatorRole.Admin : OperatorRole.Analyst;
}
