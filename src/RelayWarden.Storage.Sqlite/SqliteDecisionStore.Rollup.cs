using Microsoft.Data.Sqlite;
using RelayWarden.Core.Policy;

namespace RelayWarden.Storage.Sqlite;

/// <summary>The per-minute rollup behind the unfiltered activity series, kept in the writer's transaction.</summary>
public sealed partial class SqliteDecisionStore
{
    /// <summary>Adds (or, with sign -1, takes back) one decision in its minute's totals and domain set.</summary>
    private sealed class RollupWriter : IDisposable
    {
        private readonly SqliteCommand _minute;
        private readonly SqliteCommand _domain;

        public RollupWriter(SqliteConnection connection, SqliteTransaction transaction)
        {
            _minute = connection.CreateCommand();
            _minute.Transaction = transaction;
            _minute.CommandText = """
                INSERT INTO activity_minutes VALUES ($m, $a, $h, $r, $d, $n, $x)
                ON CONFLICT (minute) DO UPDATE SET accepted = accepted + excluded.accepted, held = held + excluded.held,
                  rejected = rejected + excluded.rejected, deferred = deferred + excluded.deferred,
                  recipients = recipients + excluded.recipients, domains = domains + excluded.domains
                """;
            foreach (string name in (string[])["$m", "$a", "$h", "$r", "$d", "$n", "$x"])
            {
                _minute.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            _domain = connection.CreateCommand();
            _domain.Transaction = transaction;
            _domain.CommandText = "INSERT OR IGNORE INTO activity_minute_domains VALUES ($m, $domain)";
            _domain.Parameters.Add(new SqliteParameter { ParameterName = "$m" });
            _domain.Parameters.Add(new SqliteParameter { ParameterName = "$domain" });
        }

        /// <summary>
        /// Counts a decision at <paramref name="timeMilliseconds"/>. Taking one back (a record replaced by id) leaves
        /// its recipient domains in the minute's set: that set only grows, so the distinct count may stay one high.
        /// </summary>
        public void Add(long timeMilliseconds, VerdictAction action, long recipients, IEnumerable<string?> domains, int sign)
        {
            long minute = timeMilliseconds / 60_000;
            bool accepted = action is VerdictAction.Relay or VerdictAction.Hold;
            long added = 0;
            if (accepted && sign > 0)
            {
                _domain.Parameters[0].Value = minute;
                foreach (string? domain in domains)
                {
                    if (domain is not null)
                    {
                        _domain.Parameters[1].Value = domain;
                        added += _domain.ExecuteNonQuery();
                    }
                }
            }

            object[] values = [minute, accepted ? sign : 0, action == VerdictAction.Hold ? sign : 0, action == VerdictAction.Reject ? sign : 0,
                action == VerdictAction.Defer ? sign : 0, accepted ? sign * recipients : 0, added];
            for (int i = 0; i < values.Length; i++)
            {
                _minute.Parameters[i].Value = values[i];
            }

            _minute.ExecuteNonQuery();
        }

        public void Dispose()
        {
            _minute.Dispose();
            _domain.Dispose();
        }
    }
}
