using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Storage.Sqlite;
using RelayWarden.Web.Dashboard;

namespace RelayWarden.Web.Tests;

/// <summary>The dashboard's top lists are computed once per minute-aligned window, not on every load.</summary>
public sealed class TopListsCacheTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "rw-toplists-" + Guid.NewGuid().ToString("N")[..12] + ".db");
    private SqliteDecisionStore? _store;

    private SqliteDecisionStore Store => _store!;

    public Task InitializeAsync()
    {
        _store = SqliteDecisionStore.Open(_path);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        foreach (string file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }

    private async Task AddAsync(string account, DateTimeOffset at)
    {
        await Store.AddAsync(new DecisionRecord
        {
            Id = Guid.NewGuid().ToString("N"), Time = at, Stage = "smtp.data", Tenant = "acme", Account = account, ClientIp = "127.0.0.10",
            MailFrom = "<alice@acme.example>", Recipients = ["bob@customer.example"], RecipientDomains = ["customer.example"],
            Action = VerdictAction.Relay, Reply = "250 2.0.0 Ok",
        }, CancellationToken.None);
        await Store.FlushAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Same_window_is_served_from_the_cache_and_a_new_minute_recomputes()
    {
        var until = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        await AddAsync("alice@acme.example", until.AddMinutes(-5));
        var cache = new TopListsCache();
        var window = new DecisionQuery { Since = until.AddHours(-24), Until = until };

        var first = await cache.GetAsync(Store, window, 10, CancellationToken.None);
        Assert.Equal("alice@acme.example", Assert.Single(first.Accounts).Account);

        await AddAsync("mallory@acme.example", until.AddMinutes(-1));
        var cached = await cache.GetAsync(Store, window with { }, 10, CancellationToken.None);
        Assert.Same(first.Accounts, cached.Accounts);

        var next = await cache.GetAsync(Store, new DecisionQuery { Since = until.AddHours(-24).AddMinutes(1), Until = until.AddMinutes(1) }, 10, CancellationToken.None);
        Assert.Equal(2, next.Accounts.Count);
    }
}
