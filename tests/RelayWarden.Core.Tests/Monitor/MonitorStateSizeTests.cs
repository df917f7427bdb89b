using RelayWarden.Core.Monitor;

namespace RelayWarden.Core.Tests.Monitor;

public class MonitorStateSizeTests
{
    [Fact]
    public void A_typical_active_account_holds_at_most_2_KB()
    {
        const int accounts = 2000;
        var store = new InMemoryMonitorStore();
        var monitor = new BehaviorMonitor(new MonitorOptions { EvidenceMessages = 16 }, store, TimeProvider.System);
        var start = MonitorTestKit.Start;
        var messages = new List<Observation>();
        for (int a = 0; a < accounts; a++)
        {
            for (int m = 0; m < 30; m++)
            {
                messages.Add(new Observation
                {
                    Time = start + TimeSpan.FromMinutes(m * 47),
                    Account = $"user{a}@tenant.example",
                    Recipients = [$"c{m % 7}@d{(a + m) % 12}.example", $"c{m % 3}@d{(a + m + 1) % 12}.example"],
                });
            }
        }

        long before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var message in messages)
        {
            monitor.Observe(message);
        }

        messages.Clear();
        messages.TrimExcess();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        double perAccount = (double)(after - before) / accounts;
        Assert.Equal(accounts, store.Count(MonitorKeyKind.Account));
        Assert.True(perAccount <= 2048, $"{perAccount:0} bytes per account");
        Assert.True(store.TryGet(MonitorKeyKind.Account, "user7@tenant.example", out var state));
        Assert.InRange(state.StateBytes, 1000, 2048);
        GC.KeepAlive(monitor);
    }
}
