using System.Diagnostics;
using System.Globalization;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Hosting.Reports;
using RelayWarden.Storage.Sqlite;

namespace RelayWarden.Benchmarks.Records;

/// <summary>
/// <c>dotnet run -c Release -- records-quick [COUNT] [FOLDER]</c>: writes COUNT (default 1,000,000) decision
/// records spread over 24 h (200 tenants, 2,000 accounts, 1-3 recipients, 8 % refused, and a 600-message spoof
/// of tenant t7's domain by a trial account), then times searches, series and the incident report with a
/// Stopwatch (best of 3). An existing database of the same size in FOLDER is reused.
/// </summary>
public static class RecordsQuick
{
    private static readonly DateTimeOffset End = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        string folder = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "rw-records-bench");
        string path = Path.Combine(folder, $"records-{count}.db");
        bool exists = File.Exists(path);
        long opening = Stopwatch.GetTimestamp();
        await using var store = SqliteDecisionStore.Open(path, output.WriteLine);
        output.WriteLine($"open: {Stopwatch.GetElapsedTime(opening).TotalSeconds:N1} s (an older file is upgraded here)");
        if (!exists)
        {
            long start = Stopwatch.GetTimestamp();
            var random = new Random(7);
            for (int i = 0; i < count; i++)
            {
                await store.AddAsync(Generate(i, count, random), default);
                if (i % 32_768 == 32_767) // within the store's write queue (SqliteDecisionStore.DefaultQueueCapacity): nothing dropped
                {
                    await store.FlushAsync(default);
                }
            }

            await store.FlushAsync(default);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            output.WriteLine($"write: {count:N0} records in {seconds:N1} s ({count / seconds:N0} records/s), file {new FileInfo(path).Length / 1048576.0:N0} MiB");
        }

        var day = new DecisionQuery { Since = End.AddDays(-1), Until = End };
        var directory = TenantDirectory.Build(Enumerable.Range(0, 200).Select(t => new Tenant
        {
            Id = $"t{t}", Kind = t == 199 ? TenantKind.Trial : TenantKind.Paid, Domains = [new DomainClaim($"t{t}.example")],
        }), out _);
        var reporter = new IncidentReporter(store, () => directory);

        await Time(output, "search from=t7.example (first page of 100)", () => store.SearchAsync(day with { From = "t7.example" }, default));
        await Time(output, "search account=u1234 (100)", () => store.SearchAsync(new DecisionQuery { Account = "u1234" }, default));
        await Time(output, "search recipient=r17@d17.example", () => store.SearchAsync(new DecisionQuery { Recipient = "r17@d17.example" }, default));
        await Time(output, "search recipient_domain=d17.example (100)", () => store.SearchAsync(new DecisionQuery { RecipientDomain = "d17.example" }, default));
        await Time(output, "search rule=sender.from.other-tenant, window (100)", () => store.SearchAsync(day with { Rule = "sender.from.other-tenant" }, default));
        await Time(output, "search action=reject, window (100)", () => store.SearchAsync(day with { Actions = [VerdictAction.Reject] }, default));
        await Time(output, "search message_id", () => store.SearchAsync(new DecisionQuery { MessageId = "<m777777@x>" }, default));
        await Time(output, "search client_ip (100)", () => store.SearchAsync(new DecisionQuery { ClientIp = "10.0.210.2" }, default));
        await Time(output, "search identity=<> (100)", () => store.SearchAsync(day with { Identity = "<>" }, default));
        await Time(output, "search window only, page 50 via cursor", async () =>
        {
            var query = day;
            DecisionPage page = null!;
            for (int i = 0; i < 50; i++)
            {
                page = await store.SearchAsync(query, default);
                query = query with { After = page.Next };
            }

            return page;
        });
        await Time(output, "incident report spoofed=t7.example, 24 h", async () =>
        {
            var report = await reporter.BuildAsync(new IncidentQuery { Spoofed = "t7.example", Since = End.AddDays(-1), Until = End }, default);
            return $"{report.Total.Messages:N0} messages, {report.BySubmitter.Count} submitters, {report.ByOwner.Count} owners";
        });
        await Time(output, "incident report tenant=t199 (trial), 24 h", async () =>
        {
            var report = await reporter.BuildAsync(new IncidentQuery { Tenant = "t199", Since = End.AddDays(-1), Until = End }, default);
            return $"{report.Total.Messages:N0} messages, {report.ByOwner.Count} owners";
        });
        await Time(output, "incident report tenant=t3, 24 h", async () =>
        {
            var report = await reporter.BuildAsync(new IncidentQuery { Tenant = "t3", Since = End.AddDays(-1), Until = End }, default);
            return $"{report.Total.Messages:N0} messages, {report.ByOwner.Count} owners";
        });
        await Time(output, "dashboard series: per minute over 24 h", () => store.ActivityAsync(day, TimeSpan.FromMinutes(1), default));
        await Time(output, "timeline series: account u1234 per hour over 24 h", () => store.ActivityAsync(day with { Account = "u1234" }, TimeSpan.FromHours(1), default));
        await Time(output, "top 10 accounts, 24 h", () => store.TopAccountsAsync(day, 10, default));
        await Time(output, "top 10 refusing rules, 24 h", () => store.TopRulesAsync(day, 10, default));
        await Time(output, "policy replay, 24 h (every record judged again)", async () =>
        {
            // The generator's logins in their tenants: normal mail stays the same, the accepted spoofs change.
            var logins = TenantDirectory.Build(Enumerable.Range(0, 200).Select(t => new Tenant
            {
                Id = $"t{t}", Kind = t == 199 ? TenantKind.Trial : TenantKind.Paid, CreatedBy = TenantCreator.Partner, Domains = [new DomainClaim($"t{t}.example")],
                Users = t == 199 ? [new TenantUser("trial-7731", null)] : [.. Enumerable.Range(0, 2000).Where(a => a % 199 == t).Select(a => new TenantUser($"u{a}", null))],
            }), out _);
            var replay = new PolicyReplay(logins, Blocklist.Empty, [], PolicyOptions.Default);
            long start = Stopwatch.GetTimestamp();
            var summary = await ReplaySummary.RunAsync(replay, store, day, _ => { }, default);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            return $"{summary.Read:N0} records, {summary.Changed:N0} changed, {summary.NotReplayed:N0} not replayed, {summary.Read / seconds:N0} records/s";
        });
        return 0;
    }

    private static async Task Time<T>(TextWriter output, string name, Func<Task<T>> run)
    {
        double best = double.MaxValue;
        T result = default!;
        for (int round = 0; round < 3; round++)
        {
            long start = Stopwatch.GetTimestamp();
            result = await run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        string detail = result switch
        {
            DecisionPage page => $"{page.Records.Count} records",
            System.Collections.ICollection list => $"{list.Count} rows",
            _ => result?.ToString() ?? string.Empty,
        };
        output.WriteLine($"{name,-55} {best,9:N1} ms  ({detail})");
    }

    private static DecisionRecord Generate(int i, int count, Random random)
    {
        var time = End.AddDays(-1).AddMilliseconds(i * (86_400_000.0 / count));
        bool spoof = i % (count / 600) == 0;
        int account = spoof ? -1 : random.Next(2000);
        int tenant = spoof ? 199 : account % 199;
        int recipients = 1 + random.Next(3);
        var rcpts = new string[recipients];
        for (int r = 0; r < recipients; r++)
        {
            int d = random.Next(5000);
            rcpts[r] = $"<r{d}@d{d % 1000}.example>";
        }

        bool refused = spoof ? i % 3 != 0 : random.Next(100) < 8;
        string rule = spoof ? "sender.from.other-tenant" : random.Next(3) switch { 0 => "monitor.rcpt-domains.burst", 1 => "sender.mail-from.not-authorized", _ => "blocklist.ip" };
        return new DecisionRecord
        {
            Id = Guid.CreateVersion7(time).ToString("N"),
            Time = time,
            Stage = "smtp.data",
            Tenant = $"t{tenant}",
            Account = spoof ? "trial-7731" : $"u{account}",
            ClientIp = spoof ? "192.0.2.66" : $"10.0.{account % 256}.{account % 7}",
            Helo = "client.example",
            Tls = true,
            AuthLogin = spoof ? "trial-7731" : $"u{account}",
            MailFrom = spoof ? "<>" : $"<u{account}@t{tenant}.example> SIZE=2000",
            From = spoof ? "\"T7 Security\" <security@t7.example>" : $"User {account} <u{account}@t{tenant}.example>",
            Sender = spoof ? "noreply@t199.example" : null,
            Recipients = rcpts,
            RecipientDomains = [.. rcpts.Select(r => r[(r.IndexOf('@') + 1)..^1]).Distinct().Order()],
            MessageId = $"<m{i}@x>",
            Size = 2000,
            QueueId = refused ? null : $"q{i}",
            Action = refused ? (random.Next(4) == 0 ? VerdictAction.Defer : VerdictAction.Reject) : VerdictAction.Relay,
            Reply = refused ? "550 5.7.1 no" : "250 2.0.0 queued",
            Reasons = refused ? [new Reason(rule, ReasonOutcome.Fail, "bench", new Evidence())] : [],
        };
    }
}
