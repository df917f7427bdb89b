using System.Text.Json;
using Microsoft.Data.Sqlite;
using RelayWarden.Core.Records;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Storage.Sqlite;

/// <summary>The schema, and the upgrade of files written before the search keys existed.</summary>
public sealed partial class SqliteDecisionStore
{
    /// <summary>
    /// The schema version in <c>PRAGMA user_version</c>: 0 = no search keys; 3 = keys, recipients and rules tables,
    /// and the per-minute rollup of the dashboard series.
    /// </summary>
    internal const int SchemaVersion = 3;

    private const int BackfillBatch = 5000;

    private const string CreateTables = """
        CREATE TABLE IF NOT EXISTS decisions (
          id TEXT PRIMARY KEY, time INTEGER NOT NULL, node TEXT, stage TEXT NOT NULL, tenant TEXT, account TEXT,
          client_ip TEXT, helo TEXT, tls INTEGER NOT NULL, auth_login TEXT, mail_from TEXT, from_header TEXT,
          sender_header TEXT, recipients TEXT NOT NULL, recipient_domains TEXT NOT NULL, message_id TEXT,
          size INTEGER NOT NULL, queue_id TEXT, action TEXT NOT NULL, reply TEXT NOT NULL, reasons TEXT NOT NULL,
          mail_from_addr TEXT, mail_from_domain TEXT, from_addr TEXT, from_domain TEXT, sender_addr TEXT, sender_domain TEXT,
          rcpt_count INTEGER);
        CREATE TABLE IF NOT EXISTS decision_recipients (decision TEXT NOT NULL, address TEXT, domain TEXT);
        CREATE TABLE IF NOT EXISTS decision_rules (decision TEXT NOT NULL, rule TEXT NOT NULL, outcome TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS deliveries (
          queue_id TEXT NOT NULL, time INTEGER NOT NULL, recipient TEXT NOT NULL, status TEXT NOT NULL,
          detail TEXT, attempt INTEGER NOT NULL);
        """;

    // Per-minute totals of every decision (the unfiltered series of the dashboard reads 1,440 rows for a day),
    // and the distinct recipient domains of accepted mail per minute (domains = how many rows a minute has here).
    private const string CreateRollup = """
        CREATE TABLE activity_minutes (
          minute INTEGER PRIMARY KEY, accepted INTEGER NOT NULL, held INTEGER NOT NULL, rejected INTEGER NOT NULL,
          deferred INTEGER NOT NULL, recipients INTEGER NOT NULL, domains INTEGER NOT NULL);
        CREATE TABLE activity_minute_domains (minute INTEGER NOT NULL, domain TEXT NOT NULL, PRIMARY KEY (minute, domain)) WITHOUT ROWID;
        """;

    private const string FillRollup = """
        INSERT INTO activity_minute_domains
          SELECT DISTINCT d.time / 60000, r.domain FROM decisions d JOIN decision_recipients r ON r.decision = d.id
          WHERE d.action IN ('relay','hold') AND r.domain IS NOT NULL;
        INSERT INTO activity_minutes
          SELECT d.time / 60000 AS m, SUM(d.action IN ('relay','hold')), SUM(d.action = 'hold'), SUM(d.action = 'reject'), SUM(d.action = 'defer'),
            SUM(CASE WHEN d.action IN ('relay','hold') THEN d.rcpt_count ELSE 0 END),
            (SELECT COUNT(*) FROM activity_minute_domains x WHERE x.minute = d.time / 60000)
          FROM decisions d GROUP BY m;
        """;

    private const string CreateIndexes = """
        CREATE INDEX IF NOT EXISTS decisions_time ON decisions(time);
        CREATE INDEX IF NOT EXISTS decisions_tenant ON decisions(tenant, time);
        CREATE INDEX IF NOT EXISTS decisions_queue ON decisions(queue_id);
        CREATE INDEX IF NOT EXISTS decisions_account ON decisions(account, time);
        CREATE INDEX IF NOT EXISTS decisions_client_ip ON decisions(client_ip, time);
        CREATE INDEX IF NOT EXISTS decisions_message_id ON decisions(message_id);
        CREATE INDEX IF NOT EXISTS decisions_mail_from_domain ON decisions(mail_from_domain, time);
        CREATE INDEX IF NOT EXISTS decisions_from_domain ON decisions(from_domain, time);
        CREATE INDEX IF NOT EXISTS decisions_sender_domain ON decisions(sender_domain, time);
        CREATE INDEX IF NOT EXISTS decisions_null_sender ON decisions(time) WHERE mail_from_addr = '';
        CREATE INDEX IF NOT EXISTS decision_recipients_domain ON decision_recipients(domain, address, decision);
        CREATE INDEX IF NOT EXISTS decision_recipients_decision ON decision_recipients(decision);
        CREATE INDEX IF NOT EXISTS decision_rules_rule ON decision_rules(rule, decision);
        CREATE INDEX IF NOT EXISTS decision_rules_decision ON decision_rules(decision);
        CREATE INDEX IF NOT EXISTS deliveries_queue ON deliveries(queue_id);
        CREATE INDEX IF NOT EXISTS deliveries_time ON deliveries(time);
        """;

    /// <summary>Columns added by version 2, in table order (ALTER TABLE ADD COLUMN appends them to older files).</summary>
    private static readonly string[] s_keyColumns =
        ["mail_from_addr TEXT", "mail_from_domain TEXT", "from_addr TEXT", "from_domain TEXT", "sender_addr TEXT", "sender_domain TEXT", "rcpt_count INTEGER"];

    /// <summary>Creates the tables, adds the key columns an older file lacks, fills them in, then builds the indexes.</summary>
    private static void Migrate(SqliteConnection connection, Action<string>? log)
    {
        bool fresh;
        using (var probe = connection.CreateCommand())
        {
            probe.CommandText = "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'decisions'";
            fresh = Convert.ToInt64(probe.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0;
        }

        Execute(connection, CreateTables);
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM pragma_table_info('decisions')";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                existing.Add(reader.GetString(0));
            }
        }

        int added = 0;
        foreach (string column in s_keyColumns)
        {
            if (!existing.Contains(column[..column.IndexOf(' ', StringComparison.Ordinal)]))
            {
                Execute(connection, $"ALTER TABLE decisions ADD COLUMN {column}");
                added++;
            }
        }

        long filled = Backfill(connection);
        bool rollup = false;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'activity_minutes'";
            if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                using var transaction = connection.BeginTransaction();
                command.Transaction = transaction;
                command.CommandText = CreateRollup + FillRollup;
                command.ExecuteNonQuery();
                transaction.Commit();
                rollup = true;
            }
        }

        if (added > 0 || filled > 0 || (rollup && !fresh))
        {
            log?.Invoke($"event=records.upgrade columns_added={added} records_filled={filled} rollup={(rollup ? "built" : "kept")} version={SchemaVersion}");
        }

        Execute(connection, CreateIndexes);
        Execute(connection, $"PRAGMA user_version={SchemaVersion}");
    }

    /// <summary>
    /// Computes the search keys and child rows of records that have none (<c>rcpt_count IS NULL</c>), in
    /// batches of one transaction each, so an interrupted upgrade resumes at the next open.
    /// </summary>
    private static long Backfill(SqliteConnection connection)
    {
        long total = 0, last = 0;
        while (true)
        {
            var rows = new List<(string Id, string? MailFrom, string? From, string? Sender, string Recipients, string Reasons)>(BackfillBatch);
            using (var select = connection.CreateCommand())
            {
                // In rowid order from where the last batch ended: each batch reads only its own rows.
                select.CommandText = """
                    SELECT id, mail_from, from_header, sender_header, recipients, reasons, rowid FROM decisions
                    WHERE rowid > $last AND rcpt_count IS NULL ORDER BY rowid LIMIT $n
                    """;
                select.Parameters.AddWithValue("$last", last);
                select.Parameters.AddWithValue("$n", BackfillBatch);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    rows.Add((reader.GetString(0), Text(reader, 1), Text(reader, 2), Text(reader, 3), reader.GetString(4), reader.GetString(5)));
                    last = reader.GetInt64(6);
                }
            }

            if (rows.Count == 0)
            {
                return total;
            }

            using var transaction = connection.BeginTransaction();
            using var writer = new KeyWriter(connection, transaction);
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = """
                UPDATE decisions SET mail_from_addr=$ea, mail_from_domain=$ed, from_addr=$fa, from_domain=$fd,
                  sender_addr=$sa, sender_domain=$sd, rcpt_count=$rc WHERE id=$id
                """;
            foreach (string name in (string[])["$ea", "$ed", "$fa", "$fd", "$sa", "$sd", "$rc", "$id"])
            {
                update.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            foreach (var row in rows)
            {
                var keys = Keys.Of(row.MailFrom, row.From, row.Sender, JsonSerializer.Deserialize<string[]>(row.Recipients) ?? []);
                object?[] values = [keys.MailFrom.Address, keys.MailFrom.Domain, keys.From.Address, keys.From.Domain,
                    keys.Sender.Address, keys.Sender.Domain, keys.RecipientCount, row.Id];
                for (int i = 0; i < values.Length; i++)
                {
                    update.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                update.ExecuteNonQuery();
                // A record without keys has no child rows: keys and rows commit in one transaction.
                writer.Insert(row.Id, keys, DeserializeReasons(row.Reasons));
            }

            transaction.Commit();
            total += rows.Count;
        }
    }

    /// <summary>The search keys of one record.</summary>
    private sealed record Keys((string? Address, string? Domain) MailFrom, (string? Address, string? Domain) From,
        (string? Address, string? Domain) Sender, IReadOnlyList<(string? Address, string? Domain)> Recipients, int RecipientCount)
    {
        public static Keys Of(string? mailFrom, string? from, string? sender, IReadOnlyList<string> recipients)
        {
            var distinct = new HashSet<(string?, string?)>();
            var list = new List<(string?, string?)>(recipients.Count);
            foreach (string recipient in recipients)
            {
                var key = RecordKeys.ForwardPath(recipient);
                if (distinct.Add(key))
                {
                    list.Add(key);
                }
            }

            return new Keys(RecordKeys.ReversePath(mailFrom), RecordKeys.HeaderMailbox(IdentityHeader.From, from),
                RecordKeys.HeaderMailbox(IdentityHeader.Sender, sender), list, recipients.Count);
        }
    }

    /// <summary>Writes (replacing) the recipient and rule rows of one decision.</summary>
    private sealed class KeyWriter : IDisposable
    {
        private readonly SqliteCommand _delete;
        private readonly SqliteCommand _recipient;
        private readonly SqliteCommand _rule;

        public KeyWriter(SqliteConnection connection, SqliteTransaction transaction)
        {
            _delete = Command(connection, transaction, "DELETE FROM decision_recipients WHERE decision=$id; DELETE FROM decision_rules WHERE decision=$id;", "$id");
            _recipient = Command(connection, transaction, "INSERT INTO decision_recipients VALUES ($id,$address,$domain)", "$id", "$address", "$domain");
            _rule = Command(connection, transaction, "INSERT INTO decision_rules VALUES ($id,$rule,$outcome)", "$id", "$rule", "$outcome");
        }

        /// <summary>Set when the decision may already have rows (a replaced record, an interrupted upgrade).</summary>
        public void Replace(string id, Keys keys, IReadOnlyList<Core.Policy.Reason> reasons)
        {
            _delete.Parameters[0].Value = id;
            _delete.ExecuteNonQuery();
            Insert(id, keys, reasons);
        }

        public void Insert(string id, Keys keys, IReadOnlyList<Core.Policy.Reason> reasons)
        {
            foreach (var (address, domain) in keys.Recipients)
            {
                _recipient.Parameters[0].Value = id;
                _recipient.Parameters[1].Value = (object?)address ?? DBNull.Value;
                _recipient.Parameters[2].Value = (object?)domain ?? DBNull.Value;
                _recipient.ExecuteNonQuery();
            }

            // One row per rule; a failing (or error) occurrence wins over an informational one.
            var rules = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var reason in reasons)
            {
                string outcome = reason.Outcome.ToString().ToLowerInvariant();
                if (!rules.TryGetValue(reason.Rule, out string? seen) || seen == "info")
                {
                    rules[reason.Rule] = outcome;
                }
            }

            foreach (var (rule, outcome) in rules)
            {
                _rule.Parameters[0].Value = id;
                _rule.Parameters[1].Value = rule;
                _rule.Parameters[2].Value = outcome;
                _rule.ExecuteNonQuery();
            }
        }

        public void Dispose()
        {
            _delete.Dispose();
            _recipient.Dispose();
            _rule.Dispose();
        }

        private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
#pragma warning disable CA2100 // Fixed statement text.
            command.CommandText = sql;
#pragma warning restore CA2100
            foreach (string name in names)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            return command;
        }
    }
}
