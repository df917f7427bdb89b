using RelayWarden.Core.Monitor;

namespace RelayWarden.Core.Tests.Monitor;

public class BucketRingTests
{
    [Fact]
    public void Counts_slide_out_of_the_window_bucket_by_bucket()
    {
        var ring = new BucketRing(3, 60);
        ring.Advance(0);
        ring.Add(5, 0, 0, 0, 0, 0);
        ring.Advance(60);
        ring.Add(2, 0, 0, 0, 0, 0);
        Assert.Equal(7, ring.Sum(3).Messages);
        Assert.Equal(7, ring.Total.Messages);
        Assert.Equal(2, ring.Sum(1).Messages);

        ring.Advance(180);
        Assert.Equal(2, ring.Sum(3).Messages);
        ring.Advance(240);
        Assert.Equal(0, ring.Sum(3).Messages);
    }

    [Fact]
    public void A_long_gap_clears_every_bucket()
    {
        var ring = new BucketRing(4, 60);
        ring.Advance(10);
        ring.Add(0, 9, 0, 0, 0, 0);
        Assert.Equal(3, ring.Advance(190));
        ring.Advance(100_000);
        Assert.Equal(0, ring.Sum(4).Recipients);
    }

    [Fact]
    public void Late_events_count_in_the_current_bucket()
    {
        var ring = new BucketRing(2, 60);
        ring.Advance(600);
        Assert.Equal(0, ring.Advance(30));
        ring.Add(1, 0, 0, 0, 0, 0);
        Assert.Equal(1, ring.Sum(1).Messages);
    }

    [Fact]
    public void Counters_saturate_instead_of_wrapping()
    {
        Assert.Equal(ushort.MaxValue, WindowCounts.Add(65_000, 10_000));
    }

    [Fact]
    public void Account_windows_cover_1m_10m_1h_and_24h()
    {
        var monitor = MonitorTestKit.Monitor();
        var t = MonitorTestKit.Start;
        for (int i = 0; i < 30; i++)
        {
            monitor.Observe(MonitorTestKit.Message("alice", t + TimeSpan.FromMinutes(i * 2), "a@b.example", "c@d.example"));
        }

        Assert.True(monitor.Store.TryGet(MonitorKeyKind.Account, "alice", out var state));
        long now = (t + TimeSpan.FromMinutes(58)).ToUnixTimeSeconds();
        Assert.InRange(state.Read(Signal("messages.1m"), now), 1, 1);
        Assert.InRange(state.Read(Signal("messages.10m"), now), 5, 6);
        Assert.Equal(30, state.Read(Signal("messages.1h"), now));
        Assert.Equal(60, state.Read(Signal("recipients.24h"), now));
        Assert.Equal(2, state.Read(Signal("new_domains.24h"), now));
        Assert.Equal(1, state.Read(Signal("new_domain_messages.24h"), now));
        Assert.Equal(2, state.Read(Signal("domains.1h"), now));
    }

    [Fact]
    public void New_domain_spread_counts_ten_minute_buckets_with_novelty()
    {
        var monitor = MonitorTestKit.Monitor();
        var t = new DateTimeOffset(2025, 4, 21, 3, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < 7; i++)
        {
            monitor.Observe(MonitorTestKit.Message("ivy", t + TimeSpan.FromMinutes(i * 10), $"x@n{i}.example"));
            monitor.Observe(MonitorTestKit.Message("ivy", t + TimeSpan.FromMinutes((i * 10) + 1), $"x@n{i}.example"));
        }

        Assert.True(monitor.Store.TryGet(MonitorKeyKind.Account, "ivy", out var state));
        long now = (t + TimeSpan.FromMinutes(61)).ToUnixTimeSeconds();
        Assert.Equal(7, state.Read(Signal("new_domain_spread.1h"), now));
        Assert.Equal(7, state.Read(Signal("new_domain_messages.1h"), now));
        Assert.Equal(14, state.Read(Signal("messages.1h"), now));
        Assert.Equal(0.5, state.Read(Signal("new_domain_share.1h"), now));
    }

    internal static MonitorSignal Signal(string name) => MonitorSignal.TryParse(name, out var signal) ? signal : throw new ArgumentException(name);
}
