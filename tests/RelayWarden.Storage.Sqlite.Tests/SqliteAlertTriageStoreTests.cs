using RelayWarden.Core.Control;

namespace RelayWarden.Storage.Sqlite.Tests;

/// <summary>Alert dismissals and monitor allowances on SQLite: open/dismissed lists, one dismissal per alert, allowances in force, audit rows.</summary>
public sealed class SqliteAlertTriageStoreTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 22, 21, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-triage-" + Guid.NewGuid().ToString("N")[..12]);

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

    private static StoredAlert Alert(string key, string rule = "monitor.rcpt-domains.burst", string scope = "account") =>
        new(0, s_now, rule, scope, key, "suspend", "critical", """{"rule":"x"}""");

    [Fact]
    public void Dismissals_split_open_from_dismissed_and_happen_once()
    {
        using var control = SqliteControlStore.Open(DbPath);
        using var triage = SqliteAlertTriageStore.Open(DbPath);
        long first = control.AddAlert(Alert("alice@acme.example"));
        long second = control.AddAlert(Alert("bob@acme.example"));
        Assert.Equal(2, triage.OpenCount());
        Assert.Equal([second, first], triage.Alerts(true, null, 10).Select(a => a.Alert.Id));

        Assert.True(triage.Dismiss(first, "ops", s_now.AddMinutes(1), "newsletter", allow: false, allowUntil: null, out var none));
        Assert.Null(none);
        Assert.False(triage.Dismiss(first, "ops", s_now.AddMinutes(2), "again", allow: true, allowUntil: null, out _));
        Assert.False(triage.Dismiss(999, "ops", s_now, "unknown", allow: false, allowUntil: null, out _));

        Assert.Equal(1, triage.OpenCount());
        Assert.Equal([second], triage.Alerts(true, null, 10).Select(a => a.Alert.Id));
        var dismissed = Assert.Single(triage.Alerts(false, null, 10));
        Assert.Equal(("ops", "newsletter", s_now.AddMinutes(1)), (dismissed.Dismissal!.By, dismissed.Dismissal.Reason, dismissed.Dismissal.At));
        Assert.Equal(2, triage.Alerts(null, null, 10).Count);
        Assert.Single(triage.Alerts(null, "bob@acme.example", 10));
        Assert.Null(triage.FindAlert(999));
        Assert.False(triage.FindAlert(first)!.Open);
        Assert.Empty(triage.Allowances(null));
        var audit = Assert.Single(control.History($"alert:{first}", 10));
        Assert.Equal(("alert.dismiss", "ops"), (audit.Action, audit.By));
        Assert.Contains("newsletter", audit.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowances_are_kept_until_they_expire_or_are_withdrawn()
    {
        using var control = SqliteControlStore.Open(DbPath);
        using var triage = SqliteAlertTriageStore.Open(DbPath);
        long timed = control.AddAlert(Alert("alice@acme.example"));
        long forever = control.AddAlert(Alert("acme", "monitor.tenant.volume", "tenant"));

        Assert.True(triage.Dismiss(timed, "ops", s_now, "known", allow: true, allowUntil: s_now.AddHours(2), out var two));
        Assert.True(triage.Dismiss(forever, "ops", s_now, "big tenant", allow: true, allowUntil: null, out var always));
        Assert.Equal(("monitor.rcpt-domains.burst", "alice@acme.example", s_now.AddHours(2)), (two!.Rule, two.Key, two.Until!.Value));
        Assert.Null(always!.Until);

        Assert.Equal(2, triage.Allowances(s_now.AddHours(1)).Count);
        Assert.Equal([always.Id], triage.Allowances(s_now.AddHours(3)).Select(a => a.Id));
        Assert.Equal(2, triage.Allowances(null).Count);
        Assert.True(two.InForce(s_now.AddHours(1)));
        Assert.False(two.InForce(s_now.AddHours(2)));

        Assert.Contains(control.History("account:alice@acme.example", 10), e => e.Action == "monitor.allow" && e.Why!.Contains("until 2026-11-22 23:00 UTC", StringComparison.Ordinal));
        Assert.Contains(control.History("tenant:acme", 10), e => e.Action == "monitor.allow" && e.Why!.Contains("until withdrawn", StringComparison.Ordinal));

        Assert.True(triage.RemoveAllowance(always.Id, "lead", s_now.AddHours(4), "tenant cleaned up"));
        Assert.False(triage.RemoveAllowance(always.Id, "lead", s_now.AddHours(4), null));
        Assert.Empty(triage.Allowances(s_now.AddHours(5)));
        Assert.Contains(control.History("tenant:acme", 10), e => e.Action == "monitor.disallow" && e.By == "lead");
    }

    [Fact]
    public void A_second_process_sees_the_same_dismissals()
    {
        long id;
        using (var control = SqliteControlStore.Open(DbPath))
        using (var triage = SqliteAlertTriageStore.Open(DbPath))
        {
            id = control.AddAlert(Alert("alice@acme.example"));
            Assert.True(triage.Dismiss(id, "ops", s_now, "fine", allow: true, allowUntil: null, out _));
        }

        using var reopened = SqliteAlertTriageStore.Open(DbPath);
        Assert.False(reopened.FindAlert(id)!.Open);
        Assert.Single(reopened.Allowances(s_now));
    }
}
