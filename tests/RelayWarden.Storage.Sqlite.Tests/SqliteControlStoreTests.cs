using RelayWarden.Core.Control;
using RelayWarden.Core.Policy;

namespace RelayWarden.Storage.Sqlite.Tests;

/// <summary>The control store on SQLite: suspensions, blocks, the audit trail, alerts, and the change counter another process sees.</summary>
public sealed class SqliteControlStoreTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 22, 21, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-control-" + Guid.NewGuid().ToString("N")[..12]);

    private string DbPath => Path.Combine(_folder, "control.db");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Suspend_and_resume_are_audited_with_who_when_and_why()
    {
        using var store = SqliteControlStore.Open(DbPath);
        Assert.True(store.Suspend(new Suspension(SuspensionScope.Account, "alice@acme.example", "ops", s_now, "phished")));
        Assert.False(store.Suspend(new Suspension(SuspensionScope.Account, "alice@acme.example", "ops", s_now, "again")));
        Assert.Equal("ops", store.FindSuspension(SuspensionScope.Account, "alice@acme.example")!.By);
        Assert.Null(store.FindSuspension(SuspensionScope.Tenant, "alice@acme.example"));
        Assert.True(store.Resume(SuspensionScope.Account, "alice@acme.example", "bob", s_now.AddMinutes(5), "false positive"));
        Assert.False(store.Resume(SuspensionScope.Account, "alice@acme.example", "bob", s_now.AddMinutes(6), null));
        Assert.Empty(store.Suspensions());
        var history = store.History("account:alice@acme.example", 10);
        Assert.Equal(["account.resume", "account.suspend"], history.Select(h => h.Action));
        Assert.Equal(("bob", s_now.AddMinutes(5), "false positive"), (history[0].By, history[0].At, history[0].Why));
        Assert.Equal("phished", history[1].Why);
    }

    [Fact]
    public void Blocks_round_trip_with_expiry_and_a_change_seen_by_another_connection_bumps_the_counter()
    {
        using var host = SqliteControlStore.Open(DbPath);
        long before = host.ChangeCounter();
        using (var cli = SqliteControlStore.Open(DbPath))
        {
            cli.AddBlock(new BlockEntry(BlockKind.Ip, "192.0.2.0/24", s_now.AddHours(24), "spam run", "ops", s_now));
            cli.AddBlock(new BlockEntry(BlockKind.Domain, "spam.example", null, null, "ops", s_now));
        }

        Assert.Equal(before + 2, host.ChangeCounter());
        var blocks = host.Blocks();
        Assert.Equal(2, blocks.Count);
        var ip = blocks.Single(b => b.Kind == BlockKind.Ip);
        Assert.Equal((s_now.AddHours(24), "spam run", "ops"), (ip.ExpiresAt!.Value, ip.Reason, ip.AddedBy));
        Assert.True(host.RemoveBlock(BlockKind.Domain, "spam.example", "ops", s_now, "done"));
        Assert.False(host.RemoveBlock(BlockKind.Domain, "spam.example", "ops", s_now, null));
        Assert.Single(host.Blocks());
        Assert.Equal(["block.remove", "block.add"], host.History("domain:spam.example", 10).Select(h => h.Action));
    }

    [Fact]
    public void Alerts_are_kept_with_their_evidence_newest_first()
    {
        using var store = SqliteControlStore.Open(DbPath);
        long first = store.AddAlert(new StoredAlert(0, s_now, "monitor.a", "account", "alice", "defer", "high", "{\"n\":1}"));
        long second = store.AddAlert(new StoredAlert(0, s_now.AddMinutes(1), "monitor.b", "account", "alice", "alert", "low", "{\"n\":2}"));
        store.AddAlert(new StoredAlert(0, s_now, "monitor.a", "account", "bob", "defer", "high", "{}"));
        Assert.True(second > first);
        var alerts = store.Alerts("alice", 10);
        Assert.Equal(["monitor.b", "monitor.a"], alerts.Select(a => a.Rule));
        Assert.Equal("{\"n\":1}", alerts[1].EvidenceJson);
        Assert.Equal(3, store.Alerts(null, 10).Count);
    }
}
