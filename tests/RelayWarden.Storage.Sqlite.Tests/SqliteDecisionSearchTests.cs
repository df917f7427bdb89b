using Microsoft.Data.Sqlite;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;

namespace RelayWarden.Storage.Sqlite.Tests;

/// <summary>Search filters, paging, series, top lists and the schema upgrade of the decision store.</summary>
public sealed class SqliteDecisionSearchTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-search-" + Guid.NewGuid().ToString("N")[..12]);

    private string DbPath => Path.Combine(_folder, "records.db");

    private static DecisionRecord Record(string id, int minute, VerdictAction action = VerdictAction.Relay, string tenant = "acme",
        string account = "alice", string ip = "127.0.0.10", string? mailFrom = "<alice@acme.example> SIZE=100",
        string? from = "Alice <alice@acme.example>", string? sender = null, string[]? rcpts = null, string? msgid = null,
        string[]? rules = null, string stage = "smtp.data") => new()
    {
        Id = id,
        Time = T0.AddMinutes(minute),
        Stage = stage,
        Tenant = tenant,
        Account = account,
        ClientIp = ip,
        Tls = true,
        AuthLogin = account,
        MailFrom = mailFrom,
        From = from,
        Sender = sender,
        Recipients = rcpts ?? ["<bob@customer.example>"],
        RecipientDomains = [.. (rcpts ?? ["<bob@customer.example>"]).Select(r => RecordKeys.ForwardPath(r).Domain!).Distinct().Order()],
        MessageId = msgid ?? $"<{id}@acme.example>",
        Size = 100,
        QueueId = action is VerdictAction.Relay or VerdictAction.Hold ? "q" + id : null,
        Action = action,
        Reply = action == VerdictAction.Reject ? "550 5.7.1 no" : "250 2.0.0 ok",
        Reasons = [.. (rules ?? []).Select(r => new Reason(r, ReasonOutcome.Fail, "because", new Evidence()))],
    };

    /// <summary>A small mixed set: two tenants, a spoofing trial account, several recipients and rules.</summary>
    private static IEnumerable<DecisionRecord> Dataset() =>
    [
        Record("a1", 0),
        Record("a2", 1, rcpts: ["<Carol@Customer.Example>", "<dave@other.example> NOTIFY=NEVER"]),
        Record("a3", 2, from: "\"Alice\" <ALICE@Acme.Example>", msgid: "<special-1@acme.example>"),
        Record("g1", 3, tenant: "globex", account: "gary", ip: "127.0.0.20", mailFrom: "<gary@globex.example>", from: "gary@globex.example"),
        Record("t1", 4, VerdictAction.Reject, tenant: "trial-7731", account: "trial-7731", ip: "127.0.0.66", mailFrom: "<>",
            from: "Globex Security <security@globex.example>", sender: "noreply@trial-7731.example", rcpts: ["<x1@victims.example>", "<x2@victims.example>"],
            rules: ["sender.from.other-tenant"]),
        Record("t2", 5, VerdictAction.Defer, tenant: "trial-7731", account: "trial-7731", ip: "127.0.0.66", mailFrom: "<>",
            from: "security@globex.example", sender: "noreply@trial-7731.example", rules: ["monitor.rcpt-domains.burst", "sender.from.other-tenant"]),
        Record("t3", 6, VerdictAction.Reject, tenant: "trial-7731", account: "trial-7731", ip: "127.0.0.67", mailFrom: "<bounce@globex.example>",
            from: "Globex <security@globex.example>", rcpts: ["<y@victims.example>"], rules: ["sender.mail-from.other-tenant"], stage: "smtp.mail"),
        Record("h1", 7, VerdictAction.Hold, rules: ["monitor.volume.burst"]),
    ];

    private async Task<SqliteDecisionStore> SeededAsync()
    {
        var store = SqliteDecisionStore.Open(DbPath);
        foreach (var record in Dataset())
        {
            await store.AddAsync(record, default);
        }

        await store.FlushAsync(default);
        return store;
    }

    private static async Task<string[]> Ids(IDecisionStore store, DecisionQuery query) =>
        [.. (await store.QueryAsync(query, default)).Select(r => r.Id)];

    public static TheoryData<string, string> Filters => new()
    {
        { "tenant=globex", "g1" },
        { "account=trial-7731", "t3 t2 t1" },
        { "client_ip=127.0.0.66", "t2 t1" },
        { "client_ip=::ffff:127.0.0.66", "t2 t1" },
        { "mail_from=<>", "t2 t1" },
        { "mail_from=globex.example", "t3 g1" },
        { "mail_from=@globex.example", "t3 g1" },
        { "mail_from=<Bounce@GLOBEX.example>", "t3" },
        { "mail_from=alice@acme.example", "h1 a3 a2 a1" },
        { "from=globex.example", "t3 t2 t1 g1" },
        { "from=security@globex.example", "t3 t2 t1" },
        { "from=alice@acme.example", "h1 a3 a2 a1" },
        { "sender=trial-7731.example", "t2 t1" },
        { "sender=noreply@trial-7731.example", "t2 t1" },
        { "identity=globex.example", "t3 t2 t1 g1" },
        { "identity=trial-7731.example", "t2 t1" },
        { "identity=<>", "t2 t1" },
        { "recipient=carol@customer.example", "a2" },
        { "recipient=DAVE@other.example", "a2" },
        { "recipient=victims.example", "t3 t1" },
        { "recipient_domain=customer.example", "h1 t2 g1 a3 a2 a1" },
        { "message_id=special-1@acme.example", "a3" },
        { "message_id=<special-1@acme.example>", "a3" },
        { "rule=sender.from.other-tenant", "t2 t1" },
        { "rule=monitor.volume.burst", "h1" },
        { "action=reject", "t3 t1" },
        { "action=reject,defer", "t3 t2 t1" },
        { "action=hold", "h1" },
        { "stage=smtp.mail", "t3" },
        { "queue_id=qa2", "a2" },
        { "since=3", "h1 t3 t2 t1 g1" },
        { "until=2", "a2 a1" },
        { "since=1;until=4", "g1 a3 a2" },
        { "tenant=trial-7731;action=reject;recipient=victims.example", "t3 t1" },
        { "from=globex.example;tenant=globex", "g1" },
        { "from=nobody.example", "" },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Each_filter_finds_exactly_its_records_newest_first(string filter, string expected)
    {
        await using var store = await SeededAsync();
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), await Ids(store, Parse(filter)));
    }

    private static DecisionQuery Parse(string filter)
    {
        var query = new DecisionQuery();
        foreach (string pair in filter.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            string value = kv[1];
            query = kv[0] switch
            {
                "tenant" => query with { Tenant = value },
                "account" => query with { Account = value },
                "client_ip" => query with { ClientIp = value },
                "mail_from" => query with { MailFrom = value },
                "from" => query with { From = value },
                "sender" => query with { Sender = value },
                "identity" => query with { Identity = value },
                "recipient" => query with { Recipient = value },
                "recipient_domain" => query with { RecipientDomain = value },
                "message_id" => query with { MessageId = value },
                "rule" => query with { Rule = value },
                "action" => query with { Actions = [.. value.Split(',').Select(a => Enum.Parse<VerdictAction>(a, true))] },
                "stage" => query with { Stage = value },
                "queue_id" => query with { QueueId = value },
                "since" => query with { Since = T0.AddMinutes(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)) },
                "until" => query with { Until = T0.AddMinutes(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException(kv[0]),
            };
        }

        return query;
    }

    [Fact]
    public async Task Several_actions_in_one_filter_are_alternatives()
    {
        await using var store = await SeededAsync();
        Assert.Equal(["t3", "t2", "t1"], await Ids(store, new DecisionQuery { Actions = [VerdictAction.Reject, VerdictAction.Defer] }));
    }

    [Theory]
    [InlineData("from", "not a domain!")]
    [InlineData("from", "<>")]
    [InlineData("client_ip", "300.1.1.1")]
    [InlineData("recipient_domain", "bob@customer.example")]
    [InlineData("mail_from", "a@-bad-.example")]
    public async Task A_bad_filter_is_refused_with_the_field_named(string field, string value)
    {
        var query = field switch
        {
            "from" => new DecisionQuery { From = value },
            "client_ip" => new DecisionQuery { ClientIp = value },
            "recipient_domain" => new DecisionQuery { RecipientDomain = value },
            _ => new DecisionQuery { MailFrom = value },
        };
        Assert.False(query.TryNormalize(out _, out var errors));
        Assert.StartsWith(field + ":", Assert.Single(errors), StringComparison.Ordinal);
        await using var store = await SeededAsync();
        var thrown = await Assert.ThrowsAsync<ArgumentException>(() => store.SearchAsync(query, default));
        Assert.Contains(field, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalizing_a_normalized_query_changes_nothing()
    {
        var once = new DecisionQuery
        {
            MailFrom = " <> ", From = "<Alice@ACME.example>", Sender = "@Trial-7731.Example", Identity = "<>", Recipient = "B\u00fccher.example",
            RecipientDomain = "@Customer.Example", ClientIp = "::ffff:127.0.0.1", MessageId = "m@x", Tenant = " acme ",
        }.Normalize();
        var twice = once.Normalize();
        Assert.Equal(
            ("<>", "alice@acme.example", "trial-7731.example", "<>", "xn--bcher-kva.example", "customer.example", "127.0.0.1", "<m@x>", "acme"),
            (once.MailFrom, once.From, once.Sender, once.Identity, once.Recipient, once.RecipientDomain, once.ClientIp, once.MessageId, once.Tenant));
        Assert.Equal(once, twice);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(DecisionQuery.MaxLimit + 1)]
    public void A_page_size_out_of_range_is_refused(int limit) =>
        Assert.False(new DecisionQuery { Limit = limit }.TryNormalize(out _, out _));

    [Fact]
    public void An_empty_window_is_refused() =>
        Assert.False(new DecisionQuery { Since = T0, Until = T0 }.TryNormalize(out _, out _));

    [Fact]
    public async Task Paging_with_the_cursor_visits_every_record_once_newest_first_even_with_equal_times()
    {
        await using var store = SqliteDecisionStore.Open(DbPath);
        for (int i = 0; i < 25; i++)
        {
            await store.AddAsync(Record($"p{i:00}", i / 3), default); // three records per minute: equal times
        }

        await store.FlushAsync(default);
        var seen = new List<DecisionRecord>();
        var query = new DecisionQuery { Tenant = "acme", Limit = 10 };
        int pages = 0;
        while (true)
        {
            var page = await store.SearchAsync(query, default);
            pages++;
            seen.AddRange(page.Records);
            if (page.Next is not { } next)
            {
                break;
            }

            Assert.True(DecisionCursor.TryParse(next.ToString(), out var parsed));
            Assert.Equal(next, parsed);
            query = query with { After = parsed };
        }

        Assert.Equal(3, pages);
        Assert.Equal(25, seen.Select(r => r.Id).Distinct().Count());
        Assert.Equal(seen.OrderByDescending(r => r.Time).Select(r => r.Time), seen.Select(r => r.Time));

        // Records added after the first page never shift the next ones.
        var first = await store.SearchAsync(new DecisionQuery { Limit = 10 }, default);
        await store.AddAsync(Record("late", 100), default);
        await store.FlushAsync(default);
        var second = await store.SearchAsync(new DecisionQuery { Limit = 10, After = first.Next }, default);
        Assert.Equal(seen.Skip(10).Take(10).Select(r => r.Id), second.Records.Select(r => r.Id));
    }

    [Fact]
    public async Task An_exact_page_has_no_next_cursor()
    {
        await using var store = await SeededAsync();
        var page = await store.SearchAsync(new DecisionQuery { Limit = 8 }, default);
        Assert.Equal(8, page.Records.Count);
        Assert.Null(page.Next);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("a.1")]
    [InlineData("-1.2")]
    public void A_malformed_cursor_does_not_parse(string text) => Assert.False(DecisionCursor.TryParse(text, out _));

    [Fact]
    public async Task Minute_series_has_every_bucket_with_accepted_refused_recipients_and_distinct_domains()
    {
        await using var store = await SeededAsync();
        var series = await store.ActivityAsync(new DecisionQuery { Since = T0.AddSeconds(30), Until = T0.AddMinutes(9) }, TimeSpan.FromMinutes(1), default);
        Assert.Equal(9, series.Count); // 10:00 (partly in the window) to 10:08
        Assert.Equal(T0, series[0].Start);
        Assert.Equal(T0.AddMinutes(8), series[^1].Start);
        Assert.Equal(1, series[0].Accepted); // a1 at 10:00:00: unfiltered series count whole minutes
        Assert.Equal((1, 2, 2), (series[1].Accepted, series[1].Recipients, series[1].RecipientDomains)); // a2: carol@customer, dave@other
        Assert.Equal((0, 1, 0, 0), (series[4].Accepted, series[4].Rejected, series[4].Recipients, series[4].RecipientDomains)); // t1 refused
        Assert.Equal(1, series[5].Deferred);
        Assert.Equal((1, 1), (series[7].Accepted, series[7].Held));
        Assert.Equal(0, series[8].Accepted + series[8].Refused);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(60)]
    [InlineData(1440)]
    public async Task The_per_minute_rollup_answers_exactly_as_a_scan_of_the_records(int bucketMinutes)
    {
        await using var store = await SeededAsync();
        await store.AddAsync(Record("z1", 1, rcpts: ["<a@customer.example>", "<b@third.example>"]), default); // same minute as a2
        await store.AddAsync(Record("z2", 75, VerdictAction.Hold, rcpts: ["<c@fourth.example>"]), default);
        await store.FlushAsync(default);
        var window = new DecisionQuery { Since = T0.AddHours(-1), Until = T0.AddHours(3) };
        var bucket = TimeSpan.FromMinutes(bucketMinutes);
        var rolled = await store.ActivityAsync(window, bucket, default);
        var scanned = await store.ActivityAsync(window with { Actions = [VerdictAction.Relay, VerdictAction.Hold, VerdictAction.Defer, VerdictAction.Reject] }, bucket, default);
        Assert.Equal(scanned, rolled);
        Assert.Equal(10, rolled.Sum(b => b.Accepted + b.Refused));
        Assert.Equal(bucketMinutes == 1440 ? 4 : 3, rolled.Max(b => b.RecipientDomains)); // minute 1: customer, other, third; the day adds fourth
    }

    [Fact]
    public async Task Hour_series_per_account_counts_distinct_domains_across_the_hour()
    {
        await using var store = await SeededAsync();
        var series = await store.ActivityAsync(new DecisionQuery { Account = "alice", Since = T0, Until = T0.AddHours(2) }, TimeSpan.FromHours(1), default);
        Assert.Equal(2, series.Count);
        Assert.Equal((4, 1, 5, 2), (series[0].Accepted, series[0].Held, series[0].Recipients, series[0].RecipientDomains));
        Assert.Equal(0, series[1].Accepted);
    }

    [Fact]
    public async Task A_series_needs_a_window_and_a_sane_bucket_count()
    {
        await using var store = await SeededAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => store.ActivityAsync(new DecisionQuery { Since = T0 }, TimeSpan.FromMinutes(1), default));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ActivityAsync(new DecisionQuery { Since = T0, Until = T0.AddDays(30) }, TimeSpan.FromMinutes(1), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ActivityAsync(new DecisionQuery { Since = T0, Until = T0.AddDays(1) }, TimeSpan.FromMilliseconds(10), default));
    }

    [Fact]
    public async Task Top_accounts_and_top_refusing_rules_in_a_window()
    {
        await using var store = await SeededAsync();
        var window = new DecisionQuery { Since = T0, Until = T0.AddHours(1) };
        var accounts = await store.TopAccountsAsync(window, 10, default);
        Assert.Equal(["alice", "gary", "trial-7731"], accounts.Select(a => a.Account));
        Assert.Equal((4, 0, 5), (accounts[0].Accepted, accounts[0].Refused, accounts[0].Recipients));
        Assert.Equal(("trial-7731", 0, 3), (accounts[2].Tenant, accounts[2].Accepted, accounts[2].Refused));

        var rules = await store.TopRulesAsync(window, 10, default);
        Assert.Equal([("sender.from.other-tenant", 2L), ("monitor.rcpt-domains.burst", 1L), ("sender.mail-from.other-tenant", 1L)],
            rules.Select(r => (r.Rule, r.Refused)));
        Assert.DoesNotContain(rules, r => r.Rule == "monitor.volume.burst"); // held, not refused
        Assert.Single(await store.TopAccountsAsync(window, 1, default));
    }

    [Fact]
    public async Task Summaries_stream_the_search_keys_oldest_first()
    {
        await using var store = await SeededAsync();
        var list = new List<DecisionSummary>();
        await foreach (var s in store.SummariesAsync(new DecisionQuery { Account = "trial-7731" }, default))
        {
            list.Add(s);
        }

        Assert.Equal(3, list.Count);
        Assert.Equal(("", null, "security@globex.example", "globex.example", "noreply@trial-7731.example", "trial-7731.example", 2),
            (list[0].MailFromAddress, list[0].MailFromDomain, list[0].FromAddress, list[0].FromDomain, list[0].SenderAddress, list[0].SenderDomain, list[0].RecipientCount));
        Assert.Equal(["victims.example"], list[0].RecipientDomains);
        Assert.Equal("globex.example", list[2].MailFromDomain);
    }

    [Fact]
    public async Task A_replaced_record_keeps_one_set_of_recipient_and_rule_rows_and_purge_removes_them()
    {
        await using (var store = SqliteDecisionStore.Open(DbPath))
        {
            await store.AddAsync(Record("r1", 0, rcpts: ["<a@one.example>"], rules: ["x.one"]), default);
            await store.AddAsync(Record("r1", 0, rcpts: ["<b@two.example>"], rules: ["x.two"]), default);
            await store.FlushAsync(default);
            Assert.Empty(await Ids(store, new DecisionQuery { RecipientDomain = "one.example" }));
            Assert.Equal(["r1"], await Ids(store, new DecisionQuery { Recipient = "b@two.example", Rule = "x.two" }));
            var minute = Assert.Single(await store.ActivityAsync(new DecisionQuery { Since = T0, Until = T0.AddMinutes(1) }, TimeSpan.FromMinutes(1), default));
            Assert.Equal((1L, 1L), (minute.Accepted, minute.Recipients)); // the replaced record counts once
            Assert.Equal(1, await store.PurgeAsync(T0.AddMinutes(1), default));
        }

        Assert.Equal((0L, 0L, 0L, 0L), (Count("decision_recipients"), Count("decision_rules"), Count("activity_minutes"), Count("activity_minute_domains")));
    }

    [Fact]
    public async Task A_file_from_before_the_search_keys_is_upgraded_in_place_and_searchable()
    {
        Directory.CreateDirectory(_folder);
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE decisions (
                  id TEXT PRIMARY KEY, time INTEGER NOT NULL, node TEXT, stage TEXT NOT NULL, tenant TEXT, account TEXT,
                  client_ip TEXT, helo TEXT, tls INTEGER NOT NULL, auth_login TEXT, mail_from TEXT, from_header TEXT,
                  sender_header TEXT, recipients TEXT NOT NULL, recipient_domains TEXT NOT NULL, message_id TEXT,
                  size INTEGER NOT NULL, queue_id TEXT, action TEXT NOT NULL, reply TEXT NOT NULL, reasons TEXT NOT NULL);
                CREATE INDEX decisions_time ON decisions(time);
                CREATE INDEX decisions_tenant ON decisions(tenant, time);
                CREATE INDEX decisions_queue ON decisions(queue_id);
                CREATE TABLE deliveries (queue_id TEXT NOT NULL, time INTEGER NOT NULL, recipient TEXT NOT NULL, status TEXT NOT NULL, detail TEXT, attempt INTEGER NOT NULL);
                INSERT INTO decisions VALUES ('old1', 1772445600000, 'n1', 'smtp.data', 'trial-7731', 'trial-7731', '127.0.0.66', 'h', 1, 'trial-7731',
                  '<>', 'Globex <security@globex.example>', 'noreply@trial-7731.example', '["<v1@victims.example>","<v2@victims.example>"]',
                  '["victims.example"]', '<o1@x>', 10, NULL, 'reject', '550 5.7.1 no',
                  '[{"Rule":"sender.from.other-tenant","Outcome":"fail","Detail":"d","Header":"From","Address":null,"Domain":"globex.example","Owner":"globex","Tenant":"trial-7731"}]');
                INSERT INTO decisions VALUES ('old2', 1772445660000, 'n1', 'smtp.data', 'acme', 'alice', '127.0.0.10', 'h', 1, 'alice',
                  '<alice@acme.example>', 'alice@acme.example', NULL, '["<bob@customer.example>"]', '["customer.example"]', '<o2@x>', 10, 'q2', 'relay', '250 ok', '[]');
                """;
            command.ExecuteNonQuery();
        }

        var lines = new List<string>();
        await using (var store = SqliteDecisionStore.Open(DbPath, lines.Add))
        {
            Assert.Equal(["old1"], await Ids(store, new DecisionQuery { From = "globex.example" }));
            Assert.Equal(["old1"], await Ids(store, new DecisionQuery { MailFrom = "<>", Recipient = "v2@victims.example", Rule = "sender.from.other-tenant" }));
            Assert.Equal(["old2"], await Ids(store, new DecisionQuery { Identity = "acme.example" }));
            var old = Assert.Single(await store.QueryAsync(new DecisionQuery { Sender = "noreply@trial-7731.example" }, default));
            Assert.Equal("Globex <security@globex.example>", old.From);
            await store.AddAsync(Record("new1", 2), default); // the upgraded file takes new records
            await store.FlushAsync(default);
            Assert.Equal(["new1", "old2"], await Ids(store, new DecisionQuery { Tenant = "acme" }));
            var series = await store.ActivityAsync(new DecisionQuery { Since = T0, Until = T0.AddMinutes(3) }, TimeSpan.FromMinutes(1), default);
            Assert.Equal([(0L, 1L, 0L), (1L, 0L, 1L), (1L, 0L, 1L)], series.Select(b => (b.Accepted, b.Rejected, b.RecipientDomains))); // old1, old2, new1
        }

        Assert.Contains(lines, l => l.Contains("columns_added=7 records_filled=2 rollup=built", StringComparison.Ordinal));
        Assert.Equal(3L, Scalar("PRAGMA user_version"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM pragma_index_list('decisions') WHERE name = 'decisions_from_domain'"));

        lines.Clear();
        await using (var again = SqliteDecisionStore.Open(DbPath, lines.Add))
        {
            Assert.Equal(3, (await again.QueryAsync(new DecisionQuery(), default)).Count);
        }

        Assert.Empty(lines); // nothing left to upgrade
        Assert.Equal(4L, Count("decision_recipients")); // old1: two, old2: one, new1: one
    }

    [Fact]
    public async Task An_upgrade_fills_every_record_across_many_batches()
    {
        Directory.CreateDirectory(_folder);
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE decisions (
                  id TEXT PRIMARY KEY, time INTEGER NOT NULL, node TEXT, stage TEXT NOT NULL, tenant TEXT, account TEXT,
                  client_ip TEXT, helo TEXT, tls INTEGER NOT NULL, auth_login TEXT, mail_from TEXT, from_header TEXT,
                  sender_header TEXT, recipients TEXT NOT NULL, recipient_domains TEXT NOT NULL, message_id TEXT,
                  size INTEGER NOT NULL, queue_id TEXT, action TEXT NOT NULL, reply TEXT NOT NULL, reasons TEXT NOT NULL);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12345)
                INSERT INTO decisions SELECT 'r' || i, 1772445600000 + i * 1000, NULL, 'smtp.data', 't' || (i % 3), 'u' || (i % 7), '127.0.0.1', NULL, 0, NULL,
                  '<u@t' || (i % 3) || '.example>', 'x@d' || (i % 5) || '.example', NULL, '["<a@r' || (i % 11) || '.example>"]', '["r' || (i % 11) || '.example"]',
                  NULL, 1, NULL, CASE WHEN i % 4 = 0 THEN 'reject' ELSE 'relay' END, '250', '[]' FROM n;
                """;
            command.ExecuteNonQuery();
        }

        await using var store = SqliteDecisionStore.Open(DbPath);
        Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM decisions WHERE rcpt_count IS NULL OR from_domain IS NULL"));
        Assert.Equal(12345L, Count("decision_recipients"));
        var page = await store.SearchAsync(new DecisionQuery { From = "d3.example", Recipient = "r7.example", Limit = 1000 }, default);
        Assert.Equal(Enumerable.Range(1, 12345).Count(i => i % 5 == 3 && i % 11 == 7), page.Records.Count);
        var day = await store.ActivityAsync(new DecisionQuery { Since = T0, Until = T0.AddDays(1) }, TimeSpan.FromDays(1), default);
        Assert.Equal((12345L - (12345 / 4), 12345L / 4, 11L), (day[0].Accepted, day[0].Rejected, day[0].RecipientDomains));
    }

    [Fact]
    public async Task A_file_with_keys_but_no_rollup_gets_the_rollup_built_from_its_records_and_a_new_file_logs_nothing()
    {
        var lines = new List<string>();
        IReadOnlyList<ActivityBucket> before;
        var window = new DecisionQuery { Since = T0, Until = T0.AddMinutes(10) };
        await using (var store = SqliteDecisionStore.Open(DbPath, lines.Add))
        {
            foreach (var record in Dataset())
            {
                await store.AddAsync(record, default);
            }

            await store.FlushAsync(default);
            before = await store.ActivityAsync(window, TimeSpan.FromMinutes(1), default);
        }

        Assert.Empty(lines);
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE activity_minutes; DROP TABLE activity_minute_domains; PRAGMA user_version=2;";
            command.ExecuteNonQuery();
        }

        await using (var upgraded = SqliteDecisionStore.Open(DbPath, lines.Add))
        {
            Assert.Equal(before, await upgraded.ActivityAsync(window, TimeSpan.FromMinutes(1), default));
        }

        Assert.Contains("columns_added=0 records_filled=0 rollup=built", Assert.Single(lines), StringComparison.Ordinal);
    }

    private long Count(string table) => Scalar($"SELECT COUNT(*) FROM {table}");

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
#pragma warning disable CA2100
        command.CommandText = sql;
#pragma warning restore CA2100
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
