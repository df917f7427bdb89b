using Microsoft.Data.Sqlite;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;

namespace RelayWarden.Storage.Sqlite.Tests;

/// <summary>The decision store contract, on SQLite.</summary>
public sealed class SqliteDecisionStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-sqlite-" + Guid.NewGuid().ToString("N")[..12]);

    private string DbPath => Path.Combine(_folder, "records.db");

    private static DecisionRecord Record(string id, DateTimeOffset time, string tenant = "acme", string? queueId = null) => new()
    {
        Id = id,
        Time = time,
        Stage = "smtp.data",
        Tenant = tenant,
        Account = "alice@acme.example",
        ClientIp = "127.0.0.10",
        Helo = "client.test",
        Tls = true,
        AuthLogin = "alice@acme.example",
        MailFrom = "<>",
        From = "Globex Bank <security@globex.example>",
        Sender = "noreply@trial-7731.example",
        Recipients = ["<victim@customer.example>"],
        RecipientDomains = ["customer.example"],
        MessageId = "<m1@x>",
        Size = 1234,
        QueueId = queueId,
        Action = VerdictAction.Reject,
        Reply = "550 5.7.1 From address not authorized for your account",
        Reasons = [new Reason("sender.from.other-tenant", ReasonOutcome.Fail, "From security@globex.example belongs to tenant 'globex'",
            new Evidence { Header = "From", Address = "security@globex.example", Domain = "globex.example", Owner = "globex", Tenant = "acme" })],
    };

    [Fact]
    public async Task Added_decision_reads_back_with_every_field_and_reason()
    {
        await using var store = SqliteDecisionStore.Open(DbPath);
        var time = new DateTimeOffset(2025, 4, 21, 3, 14, 7, TimeSpan.Zero);
        var record = Record("d1", time);
        await store.AddAsync(record, default);
        await store.FlushAsync(default);
        var read = Assert.Single(await store.QueryAsync(new DecisionQuery { Tenant = "acme" }, default));
        Assert.Equal(record with { Reasons = [], Recipients = [], RecipientDomains = [] }, read with { Reasons = [], Recipients = [], RecipientDomains = [] });
        Assert.Equal(record.Recipients, read.Recipients);
        Assert.Equal(record.RecipientDomains, read.RecipientDomains);
        Assert.Equal(record.Reasons, read.Reasons);
        Assert.Empty(await store.QueryAsync(new DecisionQuery { Tenant = "globex" }, default));
    }

    [Fact]
    public async Task A_full_write_queue_counts_and_logs_the_decisions_it_cannot_keep_and_stores_the_rest()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var time = new DateTimeOffset(2025, 4, 21, 3, 14, 7, TimeSpan.Zero);
        var records = Enumerable.Range(0, 5_000).Select(i => Record("q" + i, time.AddMilliseconds(i))).ToArray();
        long dropped;
        await using (var store = SqliteDecisionStore.Open(DbPath, lines.Enqueue, queueCapacity: 8))
        {
            // Adding never waits: 5,000 adds in a loop outrun a writer that needs ~90 µs a record.
            foreach (var record in records)
            {
                Assert.True(store.AddAsync(record, default).IsCompletedSuccessfully);
            }

            // Delivery outcomes wait for room instead of being dropped.
            for (int i = 0; i < 50; i++)
            {
                await store.AddDeliveryAsync(new DeliveryRecord { QueueId = "q0", Time = time, Recipient = $"r{i}@x", Status = DeliveryStatus.Delivered, Attempt = 1 }, default);
            }

            await store.FlushAsync(default);
            dropped = store.Dropped;
            Assert.Equal(50, (await store.DeliveriesAsync("q0", default)).Count);
        }

        Assert.InRange(dropped, 1, records.Length - 8);
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM decisions";
        Assert.Equal(records.Length - dropped, (long)count.ExecuteScalar()!);
        string line = Assert.Single(lines, l => l.StartsWith("event=records.dropped", StringComparison.Ordinal));
        Assert.Contains("total=", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delivery_outcomes_are_kept_per_queue_id_in_order()
    {
        await using var store = SqliteDecisionStore.Open(DbPath);
        var time = new DateTimeOffset(2025, 4, 21, 3, 14, 7, TimeSpan.Zero);
        await store.AddDeliveryAsync(new DeliveryRecord { QueueId = "q1", Time = time, Recipient = "a@x", Status = DeliveryStatus.Deferred, Detail = "421", Attempt = 1 }, default);
        await store.AddDeliveryAsync(new DeliveryRecord { QueueId = "q1", Time = time.AddMinutes(1), Recipient = "a@x", Status = DeliveryStatus.Delivered, Attempt = 2 }, default);
        await store.AddDeliveryAsync(new DeliveryRecord { QueueId = "q2", Time = time, Recipient = "b@x", Status = DeliveryStatus.Failed, Attempt = 1 }, default);
        await store.FlushAsync(default);
        var outcomes = await store.DeliveriesAsync("q1", default);
        Assert.Equal([DeliveryStatus.Deferred, DeliveryStatus.Delivered], outcomes.Select(o => o.Status));
        Assert.Equal(2, outcomes[1].Attempt);
    }

    [Fact]
    public async Task Purge_removes_only_records_older_than_the_retention()
    {
        await using var store = SqliteDecisionStore.Open(DbPath);
        var now = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await store.AddAsync(Record("old", now.AddDays(-100)), default);
        await store.AddAsync(Record("new", now.AddDays(-1)), default);
        int purged = await store.PurgeAsync(now.AddDays(-90), default);
        Assert.Equal(1, purged);
        Assert.Equal(["new"], (await store.QueryAsync(new DecisionQuery(), default)).Select(r => r.Id));
    }

    [Fact]
    public async Task Records_survive_reopening_and_the_schema_has_no_body_column()
    {
        await using (var store = SqliteDecisionStore.Open(DbPath))
        {
            await store.AddAsync(Record("d1", DateTimeOffset.UnixEpoch.AddDays(20000), queueId: "q9"), default);
        }

        await using (var reopened = SqliteDecisionStore.Open(DbPath))
        {
            Assert.Equal("d1", Assert.Single(await reopened.QueryAsync(new DecisionQuery { QueueId = "q9" }, default)).Id);
        }

        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info('decisions')";
        var columns = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                columns.Add(reader.GetString(0));
            }
        }

        Assert.Contains("reasons", columns);
        Assert.DoesNotContain(columns, c => c.Contains("body", StringComparison.Ordinal) || c == "message" || c == "content");
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
