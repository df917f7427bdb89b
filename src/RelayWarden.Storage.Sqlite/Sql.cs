using Microsoft.Data.Sqlite;

namespace RelayWarden.Storage.Sqlite;

/// <summary>Parameter binding and statement execution shared by the stores: values bind to <c>$a</c>, <c>$b</c>, ... in order.</summary>
internal static class Sql
{
    public static void Bind(SqliteCommand command, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue("$" + (char)('a' + i), values[i] ?? DBNull.Value);
        }
    }

    public static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params object?[] values)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // Constant SQL; values are parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        Bind(command, values);
        return command.ExecuteNonQuery();
    }

    /// <summary>Appends one row to the control database's audit trail (who, when, what, on which subject, why), inside the caller's transaction.</summary>
    public static void Audit(SqliteConnection connection, SqliteTransaction? transaction, DateTimeOffset at, string by, string action, string subject, string? why) =>
        Execute(connection, transaction, "INSERT INTO audit (at, by, action, subject, why) VALUES ($a, $b, $c, $d, $e)",
            at.ToUnixTimeMilliseconds(), by, action, subject, why);
}
