using System.Text;
using System.Text.Json;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Storage.Sqlite;

namespace RelayWarden.Cli.Tests.Commands;

/// <summary>
/// <c>relaywarden hunt records.db</c>: the standalone relay's decision records hunted with the monitor's rules,
/// oldest first across the reader's windows, keyed as the relay keyed its accounts.
/// </summary>
public sealed class RecordsHuntTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-rhunt-" + Guid.NewGuid().ToString("N")[..12]);

    private string Records => Path.Combine(_folder, "records.db");

    private static DecisionRecord Record(string id, DateTimeOffset time, string account, string ip, string mailFrom, string stage = "smtp.data",
        VerdictAction action = VerdictAction.Relay) => new()
    {
        Id = id, Time = time, Stage = stage, Tenant = "t", Account = account, ClientIp = ip, MailFrom = mailFrom,
        From = "x@t.example", Recipients = [$"<r{id}@d{id}.example>"], RecipientDomains = [$"d{id}.example"], MessageId = $"<{id}@t>",
        Action = action, Reply = action == VerdictAction.Relay ? "250 2.0.0 Ok" : "550 5.7.1 no",
    };

    public async Task InitializeAsync()
    {
        await using var store = SqliteDecisionStore.Open(Records);
        // A null-sender blast every 15 s from 08:03, across the reader's 5-minute windows: the 20th (08:07:45) fires
        // monitor.null-sender.volume (20 in 10 minutes). Normal mail and refusals around it count for nothing.
        for (int i = 0; i < 25; i++)
        {
            await store.AddAsync(Record($"b{i:00}", T0.AddMinutes(3).AddSeconds(15 * i), "trial-7731/127.0.0.66", "127.0.0.66", "<>"), default);
        }

        for (int i = 0; i < 5; i++)
        {
            await store.AddAsync(Record($"n{i}", T0.AddMinutes(2 * i), "alice@acme.example", "127.0.0.10", "<alice@acme.example> SIZE=100"), default);
            await store.AddAsync(Record($"x{i}", T0.AddMinutes(2 * i).AddSeconds(1), "alice@acme.example", "127.0.0.10", "<>", "smtp.rcpt", VerdictAction.Reject), default);
        }

        // Harvested addresses: five refused RCPTs before each of bob's five messages. With the 4th, 20 refused of
        // 24 recipients: monitor.refused.share (refused.1h >= 20, share >= 0.3) fires on bob's 4th message.
        for (int m = 0; m < 5; m++)
        {
            for (int r = 0; r < 5; r++)
            {
                await store.AddAsync(Record($"h{m}{r}", T0.AddMinutes(20 + m).AddSeconds(r), "bob@acme.example", "127.0.0.11", "<bob@acme.example>", "smtp.rcpt", VerdictAction.Reject), default);
            }

            await store.AddAsync(Record($"m{m}", T0.AddMinutes(20 + m).AddSeconds(30), "bob@acme.example", "127.0.0.11", "<bob@acme.example>"), default);
        }

        await store.FlushAsync(default);
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(string.Empty)));
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void The_relays_records_are_hunted_in_time_order_with_the_accounts_as_the_relay_keyed_them()
    {
        var (code, output, error) = Run("hunt", Records, "--json");
        Assert.True(code == 0, error);
        var alerts = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var first = Assert.Single(alerts, a => a.GetProperty("rule").GetString() == "monitor.null-sender.volume");
        Assert.Equal("trial-7731/127.0.0.66", first.GetProperty("account").GetString());
        Assert.Equal(T0.AddMinutes(3).AddSeconds(15 * 19), DateTimeOffset.Parse(first.GetProperty("detected_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(alerts, a => a.GetProperty("account").GetString() == "alice@acme.example");
        var harvested = Assert.Single(alerts, a => a.GetProperty("account").GetString() == "bob@acme.example");
        Assert.Equal("monitor.refused.share", harvested.GetProperty("rule").GetString());
        Assert.Equal(T0.AddMinutes(23).AddSeconds(30), DateTimeOffset.Parse(harvested.GetProperty("detected_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("65 decision records", error, StringComparison.Ordinal);
        Assert.Contains("35 accepted messages (35 observed), 30 refusals", error, StringComparison.Ordinal);

        var table = Run("hunt", Records);
        Assert.Equal(0, table.Code);
        Assert.Contains("trial-7731/127.0.0.66", table.Out, StringComparison.Ordinal);
        Assert.Contains("monitor.null-sender.volume", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_only_options_are_refused_with_one_line()
    {
        var (code, output, error) = Run("hunt", Records, "--html", Path.Combine(_folder, "r.html"));
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("a decision store is hunted as a whole", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "r.html")));
    }
}
