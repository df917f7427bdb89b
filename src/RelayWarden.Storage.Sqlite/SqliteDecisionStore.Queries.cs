using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;

namespace RelayWarden.Storage.Sqlite;

/// <summary>Search, series and aggregates over decisions (one SQL statement each, on the read connection).</summary>
public sealed partial class SqliteDecisionStore
{
    private const string Accepted = "d.action IN ('relay','hold')";
    private const string Refused = "d.action IN ('reject','defer')";

    private const string RecordColumns = """
        d.id, d.time, d.node, d.stage, d.tenant, d.account, d.client_ip, d.helo, d.tls, d.auth_login, d.mail_from, d.from_header,
        d.sender_header, d.recipients, d.recipient_domains, d.message_id, d.size, d.queue_id, d.action, d.reply, d.reasons, d.rowid
        """;

    public async Task<IReadOnlyList<DecisionRecord>> QueryAsync(DecisionQuery query, CancellationToken cancellationToken) =>
        (await SearchAsync(query, cancellationToken).ConfigureAwait(false)).Records;

    public Task<DecisionPage> SearchAsync(DecisionQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var q = query.Normalize();
        return ReadAsync(command =>
        {
            string where = Where(q, command, paging: true);
            command.Parameters.AddWithValue("$limit", q.Limit + 1);
            command.CommandText = $"SELECT {RecordColumns} FROM decisions d {where} ORDER BY d.time DESC, d.rowid DESC LIMIT $limit";
            var records = new List<DecisionRecord>(Math.Min(q.Limit, 256));
            DecisionCursor? next = null;
            long lastSequence = 0;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (records.Count == q.Limit)
                {
                    var last = records[^1];
                    next = new DecisionCursor(last.Time.ToUnixTimeMilliseconds(), lastSequence);
                    break;
                }

                records.Add(ReadRecord(reader));
                lastSequence = reader.GetInt64(21);
            }

            return new DecisionPage(records, next);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ActivityBucket>> ActivityAsync(DecisionQuery query, TimeSpan bucket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var q = query.Normalize();
        if (q.Since is not { } since || q.Until is not { } until)
        {
            throw new ArgumentException("an activity series needs a window (since and until)", nameof(query));
        }

        long size = (long)bucket.TotalMilliseconds;
        if (size < 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "a bucket lasts at least one second");
        }

        long first = Math.DivRem(since.ToUnixTimeMilliseconds(), size, out long rest) - (rest < 0 ? 1 : 0);
        long end = until.ToUnixTimeMilliseconds();
        long count = ((end - (first * size)) + size - 1) / size;
        if (count > ActivityBucket.MaxBuckets)
        {
            throw new ArgumentException($"{count} buckets is more than {ActivityBucket.MaxBuckets}: use a longer bucket or a shorter window", nameof(bucket));
        }

        bool rollup = size % 60_000 == 0 && q with { Since = null, Until = null, Limit = new DecisionQuery().Limit, After = null } == new DecisionQuery();
        return ReadAsync<IReadOnlyList<ActivityBucket>>(command =>
        {
            var counts = rollup ? RollupCounts(command, since, until, size) : ScanCounts(command, q, size);
            var series = new ActivityBucket[count];
            for (long i = 0; i < count; i++)
            {
                series[i] = counts.GetValueOrDefault(first + i) ?? new ActivityBucket { Start = DateTimeOffset.FromUnixTimeMilliseconds((first + i) * size) };
            }

            return series;
        }, cancellationToken);
    }

    /// <summary>
    /// The unfiltered series from the per-minute rollup: whole minutes (the window widened to minute boundaries),
    /// distinct domains per bucket from the per-minute domain sets.
    /// </summary>
    private static Dictionary<long, ActivityBucket> RollupCounts(SqliteCommand command, DateTimeOffset since, DateTimeOffset until, long size)
    {
        long minutes = size / 60_000;
        command.Parameters.AddWithValue("$k", minutes);
        command.Parameters.AddWithValue("$from", Math.DivRem(since.ToUnixTimeMilliseconds(), 60_000, out long rest) - (rest < 0 ? 1 : 0));
        command.Parameters.AddWithValue("$to", (until.ToUnixTimeMilliseconds() + 59_999) / 60_000);
        var counts = new Dictionary<long, ActivityBucket>();
        command.CommandText = """
            SELECT minute / $k AS b, SUM(accepted), SUM(held), SUM(rejected), SUM(deferred), SUM(recipients), SUM(domains)
            FROM activity_minutes WHERE minute >= $from AND minute < $to GROUP BY b
            """;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                long b = reader.GetInt64(0);
                counts[b] = new ActivityBucket
                {
                    Start = DateTimeOffset.FromUnixTimeMilliseconds(b * size),
                    Accepted = reader.GetInt64(1),
                    Held = reader.GetInt64(2),
                    Rejected = reader.GetInt64(3),
                    Deferred = reader.GetInt64(4),
                    Recipients = reader.GetInt64(5),
                    RecipientDomains = reader.GetInt64(6),
                };
            }
        }

        if (minutes > 1)
        {
            command.CommandText = "SELECT minute / $k AS b, COUNT(DISTINCT domain) FROM activity_minute_domains WHERE minute >= $from AND minute < $to GROUP BY b";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                long b = reader.GetInt64(0);
                if (counts.TryGetValue(b, out var found))
                {
                    counts[b] = found with { RecipientDomains = reader.GetInt64(1) };
                }
            }
        }

        return counts;
    }

    /// <summary>A filtered series: one pass over the matching decisions, one over their recipients.</summary>
    private static Dictionary<long, ActivityBucket> ScanCounts(SqliteCommand command, DecisionQuery q, long size)
    {
        string where = Where(q, command, paging: false);
        command.Parameters.AddWithValue("$size", size);
        var counts = new Dictionary<long, ActivityBucket>();
        command.CommandText = $"""
            SELECT d.time / $size AS b, SUM({Accepted}), SUM(d.action = 'hold'), SUM(d.action = 'reject'), SUM(d.action = 'defer'),
              SUM(CASE WHEN {Accepted} THEN d.rcpt_count ELSE 0 END)
            FROM decisions d {where} GROUP BY b
            """;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                long b = reader.GetInt64(0);
                counts[b] = new ActivityBucket
                {
                    Start = DateTimeOffset.FromUnixTimeMilliseconds(b * size),
                    Accepted = reader.GetInt64(1),
                    Held = reader.GetInt64(2),
                    Rejected = reader.GetInt64(3),
                    Deferred = reader.GetInt64(4),
                    Recipients = reader.IsDBNull(5) ? 0 : reader.GetInt64(5),
                };
            }
        }

        command.CommandText = $"""
            SELECT d.time / $size AS b, COUNT(DISTINCT r.domain)
            FROM decisions d JOIN decision_recipients r ON r.decision = d.id {AndAlso(where, Accepted)} GROUP BY b
            """;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                long b = reader.GetInt64(0);
                if (counts.TryGetValue(b, out var found))
                {
                    counts[b] = found with { RecipientDomains = reader.GetInt64(1) };
                }
            }
        }

        return counts;
    }

    public Task<IReadOnlyList<AccountActivity>> TopAccountsAsync(DecisionQuery query, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var q = query.Normalize();
        return ReadAsync<IReadOnlyList<AccountActivity>>(command =>
        {
            string where = AndAlso(Where(q, command, paging: false), "d.account IS NOT NULL");
            command.Parameters.AddWithValue("$top", limit);
            command.CommandText = $"""
                SELECT d.account, MAX(d.tenant), SUM({Accepted}) AS accepted, SUM({Refused}) AS refused,
                  SUM(CASE WHEN {Accepted} THEN d.rcpt_count ELSE 0 END), MIN(d.time), MAX(d.time)
                FROM decisions d {where} GROUP BY d.account ORDER BY accepted DESC, refused DESC, d.account LIMIT $top
                """;
            var top = new List<AccountActivity>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                top.Add(new AccountActivity(reader.GetString(0), Text(reader, 1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.IsDBNull(4) ? 0 : reader.GetInt64(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
            }

            return top;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<RuleActivity>> TopRulesAsync(DecisionQuery query, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var q = query.Normalize();
        return ReadAsync<IReadOnlyList<RuleActivity>>(command =>
        {
            string where = AndAlso(Where(q, command, paging: false), $"{Refused} AND x.outcome IN ('fail','error')");
            command.Parameters.AddWithValue("$top", limit);
            command.CommandText = $"""
                SELECT x.rule, COUNT(*) AS refused, COUNT(DISTINCT d.account)
                FROM decision_rules x JOIN decisions d ON d.id = x.decision {where}
                GROUP BY x.rule ORDER BY refused DESC, x.rule LIMIT $top
                """;
            var top = new List<RuleActivity>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                top.Add(new RuleActivity(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            return top;
        }, cancellationToken);
    }

    public async IAsyncEnumerable<DecisionSummary> SummariesAsync(DecisionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var q = query.Normalize();
        await _readGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _reader.CreateCommand();
            string where = Where(q, command, paging: false);
#pragma warning disable CA2100 // Only fixed column names are concatenated; every value is a parameter.
            command.CommandText = $"""
                SELECT d.time, d.tenant, d.account, d.client_ip, d.action, d.mail_from_addr, d.mail_from_domain, d.from_addr, d.from_domain,
                  d.sender_addr, d.sender_domain, d.rcpt_count, d.recipient_domains
                FROM decisions d {where} ORDER BY d.time, d.rowid
                """;
#pragma warning restore CA2100
            using var reader = command.ExecuteReader();
            var domains = new Dictionary<string, string[]>(StringComparer.Ordinal);
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                string json = reader.GetString(12);
                if (!domains.TryGetValue(json, out string[]? list))
                {
                    list = JsonSerializer.Deserialize<string[]>(json) ?? [];
                    if (domains.Count < 10_000)
                    {
                        domains[json] = list; // the same few domain lists repeat: parse each once.
                    }
                }

                yield return new DecisionSummary
                {
                    Time = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                    Tenant = Text(reader, 1),
                    Account = Text(reader, 2),
                    ClientIp = Text(reader, 3),
                    Action = Enum.Parse<VerdictAction>(reader.GetString(4), ignoreCase: true),
                    MailFromAddress = Text(reader, 5),
                    MailFromDomain = Text(reader, 6),
                    FromAddress = Text(reader, 7),
                    FromDomain = Text(reader, 8),
                    SenderAddress = Text(reader, 9),
                    SenderDomain = Text(reader, 10),
                    RecipientCount = reader.IsDBNull(11) ? 0 : reader.GetInt32(11),
                    RecipientDomains = list,
                };
            }
        }
        finally
        {
            _readGate.Release();
        }
    }

    /// <summary>Runs <paramref name="read"/> with a fresh command on the read connection, under the read gate.</summary>
    private async Task<T> ReadAsync<T>(Func<SqliteCommand, T> read, CancellationToken cancellationToken)
    {
        await _readGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _reader.CreateCommand();
            using var registration = cancellationToken.Register(static state => ((SqliteCommand)state!).Cancel(), command);
            return read(command);
        }
        finally
        {
            _readGate.Release();
        }
    }

    /// <summary>
    /// The WHERE clause of a normalized query over <c>decisions d</c>; every value is a parameter of <paramref name="command"/>.
    /// </summary>
    private static string Where(DecisionQuery q, SqliteCommand command, bool paging)
    {
        var where = new List<string>();
        int n = 0;
        string Parameter(object value)
        {
            string name = "$p" + n++.ToString(CultureInfo.InvariantCulture);
            command.Parameters.AddWithValue(name, value);
            return name;
        }

        void Equal(string column, string? value)
        {
            if (value is not null)
            {
                where.Add($"d.{column} = {Parameter(value)}");
            }
        }

        // An identity key: the null sender, one address (found through its domain's index), or a domain.
        string Identity(string prefix, string key)
        {
            if (key == RecordKeys.NullSender)
            {
                return $"d.{prefix}_addr = ''";
            }

            string domain = Parameter(RecordKeys.DomainOf(key)!);
            return RecordKeys.IsAddress(key)
                ? $"(d.{prefix}_domain = {domain} AND d.{prefix}_addr = {Parameter(key)})"
                : $"d.{prefix}_domain = {domain}";
        }

        Equal("tenant", q.Tenant);
        Equal("account", q.Account);
        Equal("client_ip", q.ClientIp);
        Equal("queue_id", q.QueueId);
        Equal("message_id", q.MessageId);
        Equal("stage", q.Stage);
        if (q.MailFrom is { } mailFrom)
        {
            where.Add(Identity("mail_from", mailFrom));
        }

        if (q.From is { } from)
        {
            where.Add(Identity("from", from));
        }

        if (q.Sender is { } sender)
        {
            where.Add(Identity("sender", sender));
        }

        if (q.Identity is { } identity)
        {
            where.Add(identity == RecordKeys.NullSender
                ? Identity("mail_from", identity)
                : $"({Identity("from", identity)} OR {Identity("sender", identity)} OR {Identity("mail_from", identity)})");
        }

        if (q.Recipient is { } recipient)
        {
            string domain = Parameter(RecordKeys.DomainOf(recipient)!);
            where.Add(RecordKeys.IsAddress(recipient)
                ? $"d.id IN (SELECT decision FROM decision_recipients WHERE domain = {domain} AND address = {Parameter(recipient)})"
                : $"d.id IN (SELECT decision FROM decision_recipients WHERE domain = {domain})");
        }

        if (q.RecipientDomain is { } recipientDomain)
        {
            where.Add($"d.id IN (SELECT decision FROM decision_recipients WHERE domain = {Parameter(recipientDomain)})");
        }

        if (q.Rule is { } rule)
        {
            where.Add($"d.id IN (SELECT decision FROM decision_rules WHERE rule = {Parameter(rule)})");
        }

        if (q.Actions is { Count: > 0 } actions)
        {
            where.Add($"d.action IN ({string.Join(',', actions.Select(a => Parameter(ActionText(a))))})");
        }

        if (q.Since is { } since)
        {
            where.Add($"d.time >= {Parameter(since.ToUnixTimeMilliseconds())}");
        }

        if (q.Until is { } until)
        {
            where.Add($"d.time < {Parameter(until.ToUnixTimeMilliseconds())}");
        }

        if (paging && q.After is { } after)
        {
            string time = Parameter(after.TimeMilliseconds);
            where.Add($"(d.time < {time} OR (d.time = {time} AND d.rowid < {Parameter(after.Sequence)}))");
        }

        return where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where);
    }

    private static string AndAlso(string where, string condition) => where.Length == 0 ? "WHERE " + condition : $"{where} AND {condition}";

    private static DecisionRecord ReadRecord(SqliteDataReader reader) => new()
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
    };
}
