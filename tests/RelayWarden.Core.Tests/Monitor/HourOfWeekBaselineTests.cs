using RelayWarden.Core.Monitor;

namespace RelayWarden.Core.Tests.Monitor;

public class HourOfWeekBaselineTests
{
    // 2025-04-21 was a Monday; hour indexes are unix seconds / 3600.
    private static readonly long Monday0 = new DateTimeOffset(2025, 4, 21, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() / 3600;

    private static HourOfWeekBaseline Table() => new(new ulong[HourOfWeekBaseline.Words], 0);

    [Theory]
    [InlineData(0, 10, 10)]   // Monday 10:00
    [InlineData(3, 23, 23)]   // Thursday 23:00
    [InlineData(4, 0, 0)]     // Friday 00:00
    [InlineData(5, 10, 34)]   // Saturday 10:00: weekend slot
    [InlineData(6, 7, 31)]    // Sunday 07:00
    [InlineData(7, 7, 7)]     // next Monday 07:00
    public void Slots_are_the_utc_hour_of_day_plus_24_on_weekends(int dayOffset, int hour, int expected)
    {
        Assert.Equal(expected, HourOfWeekBaseline.SlotOf(Monday0 + (dayOffset * 24) + hour));
    }

    [Fact]
    public void Hours_before_1970_map_to_a_slot_too()
    {
        // 1969-12-31 23:00 UTC was a Wednesday.
        Assert.Equal(23, HourOfWeekBaseline.SlotOf(-1));
        // 1969-12-27 10:00 was a Saturday.
        Assert.Equal(34, HourOfWeekBaseline.SlotOf(new DateTimeOffset(1969, 12, 27, 10, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() / 3600));
    }

    [Fact]
    public void The_previous_hour_of_a_slot_skips_the_other_kind_of_day()
    {
        long monday10 = Monday0 + 10;
        Assert.Equal(monday10 - (3 * 24), HourOfWeekBaseline.PreviousInSlot(monday10)); // the Friday before
        Assert.Equal(monday10 + 24, HourOfWeekBaseline.PreviousInSlot(monday10 + (2 * 24))); // Wednesday -> Tuesday
        long saturday10 = Monday0 + (5 * 24) + 10;
        Assert.Equal(saturday10 - (6 * 24), HourOfWeekBaseline.PreviousInSlot(saturday10)); // the Sunday before
        Assert.Equal(saturday10, HourOfWeekBaseline.PreviousInSlot(saturday10 + 24)); // Sunday -> Saturday
    }

    [Fact]
    public void A_completed_hour_raises_only_its_own_slot_within_the_quantization_step()
    {
        var table = Table();
        long monday10 = Monday0 + 10;
        table.Complete(monday10, new WindowCounts { Messages = 40, Recipients = 100, NewDomainMessages = 3 }, 720);

        int slot = HourOfWeekBaseline.SlotOf(monday10);
        Assert.InRange(table.Peak(slot, 0), 40 * 0.97, 40 * 1.03);
        Assert.InRange(table.Peak(slot, 1), 100 * 0.97, 100 * 1.03);
        Assert.InRange(table.Peak(slot, 2), 3 * 0.97, 3 * 1.03);
        for (int other = 0; other < HourOfWeekBaseline.Slots; other++)
        {
            if (other != slot)
            {
                Assert.Equal(0, table.Peak(other, 0));
            }
        }

        // A quieter Tuesday 10:00 (same weekday slot) keeps the peak; a Saturday 10:00 fills the weekend slot.
        table.Complete(monday10 + 24, new WindowCounts { Messages = 5 }, 720);
        Assert.InRange(table.Peak(slot, 0), 39, 41);
        table.Complete(monday10 + (5 * 24), new WindowCounts { Messages = 2 }, 720);
        Assert.InRange(table.Peak(HourOfWeekBaseline.SlotOf(monday10 + (5 * 24)), 0), 1.9, 2.1);
        double decayed = 40 * Math.Pow(0.5, 120 / 720.0); // five days of a 30-day half-life
        Assert.InRange(table.Peak(slot, 0), decayed * 0.97, decayed * 1.03);
    }

    [Fact]
    public void Peaks_halve_after_the_half_life_including_the_fraction_not_yet_applied()
    {
        var table = Table();
        long start = Monday0 + 10;
        int slot = HourOfWeekBaseline.SlotOf(start);
        table.Complete(start, new WindowCounts { Messages = 64 }, 168);

        // 1 week later (= the half-life), same slot, a smaller hour: the old peak is now 32.
        table.Complete(start + 168, new WindowCounts { Messages = 1 }, 168);
        Assert.InRange(table.Peak(slot, 0), 32 * 0.95, 32 * 1.05);

        // Half a half-life more, through a completion in another slot: 32 / sqrt(2) = 22.6 (a fractional step pending).
        table.Complete(start + 168 + 84 + 3, new WindowCounts { Messages = 1 }, 168);
        double expected = 64 * Math.Pow(0.5, (168 + 87) / 168.0);
        Assert.InRange(table.Peak(slot, 0), expected * 0.95, expected * 1.05);

        // After 20 half-lives it is gone (below one message).
        table.Complete(start + (21 * 168), new WindowCounts { Messages = 0 }, 168);
        Assert.Equal(0, table.Peak(slot, 0));
    }

    [Fact]
    public void Counts_saturate_at_65535_without_overflowing_the_byte()
    {
        var table = Table();
        table.Complete(Monday0, new WindowCounts { Messages = ushort.MaxValue }, 720);
        Assert.InRange(table.Peak(HourOfWeekBaseline.SlotOf(Monday0), 0), 60_000, 70_000);
    }

    [Fact]
    public void The_signal_divides_by_the_slot_peak_and_falls_back_to_the_overall_peak_without_slot_history()
    {
        var monitor = MonitorTestKit.Monitor();
        var signal = Signal("messages_vs_how.1h");
        var monday = new DateTimeOffset(2025, 4, 21, 0, 0, 0, TimeSpan.Zero);

        // Weekdays of one week: 20 messages at 09:00 (work), 2 at 22:00.
        for (int day = 0; day < 5; day++)
        {
            Send(monitor, "carol", monday.AddDays(day).AddHours(9), 20);
            Send(monitor, "carol", monday.AddDays(day).AddHours(22), 2);
        }

        Assert.True(monitor.Store.TryGet(MonitorKeyKind.Account, "carol", out var state));

        // Saturday 09:00: the weekend slot has no history (first seen Monday) -> the overall peak, 20.
        var saturday = monday.AddDays(5).AddHours(9);
        Send(monitor, "carol", saturday, 10);
        Assert.Equal(20, state.HourOfWeekReference(0, saturday.ToUnixTimeSeconds()), 0.5);
        Assert.Equal(10 / 20.0, monitor.Read(state, signal, saturday.ToUnixTimeSeconds(), "acme"), 0.05);

        // The next Monday 22:00: the slot's peak is 2, but the floor is the overall peak / 8 = 2.5.
        var monday22 = monday.AddDays(7).AddHours(22);
        Send(monitor, "carol", monday22, 10);
        Assert.Equal(20 / HourOfWeekBaselineFloor, state.HourOfWeekReference(0, monday22.ToUnixTimeSeconds()), 0.2);
        Assert.Equal(10 / 2.5, monitor.Read(state, signal, monday22.ToUnixTimeSeconds(), "acme"), 0.3);

        // Tuesday 09:00: the slot's own peak, 20 four days ago (Friday), decayed by 2^(-96/720) = 18.2.
        var tuesday9 = monday.AddDays(8).AddHours(9);
        Send(monitor, "carol", tuesday9, 10);
        Assert.InRange(state.HourOfWeekReference(0, tuesday9.ToUnixTimeSeconds()), 18.2 * 0.97, 18.2 * 1.03);
    }

    [Fact]
    public void Thirty_messages_at_night_alert_where_the_overall_baseline_stays_silent()
    {
        var how = MonitorTestKit.Rule("monitor.test.how", "messages.1h >= 30 and messages_vs_how.1h >= 4 and history_days >= 14");
        var overall = MonitorTestKit.Rule("monitor.test.overall", "messages.1h >= 30 and messages_vs_baseline.1h >= 4 and history_days >= 14");
        var monitor = MonitorTestKit.Monitor(how, overall);
        var monday = new DateTimeOffset(2025, 4, 21, 0, 0, 0, TimeSpan.Zero);
        for (int day = 0; day < 21; day++)
        {
            Send(monitor, "dave", monday.AddDays(day).AddHours(10), day % 7 < 5 ? 25 : 1);
        }

        // Wednesday 03:00 of the fourth week: 30 messages, a night slot that never saw any.
        var night = monday.AddDays(23).AddHours(3);
        var decision = Send(monitor, "dave", night, 30);
        Assert.Equal(MonitorAction.Alert, decision.Action);
        Assert.Equal(["monitor.test.how"], decision.Reasons.Select(r => r.Rule));

        // The same 30 at 10:00 on a weekday is dave's normal.
        var day10 = monday.AddDays(24).AddHours(10);
        Assert.Null(Send(monitor, "dave", day10, 30).Action);
    }

    [Fact]
    public void The_shipped_hijack_rule_fires_on_sustained_volume_off_the_accounts_hours_but_not_on_a_busy_accounts_normal_day()
    {
        var monitor = MonitorTestKit.Monitor(MonitorOptions.Default);
        var monday = new DateTimeOffset(2025, 4, 21, 0, 0, 0, TimeSpan.Zero);

        // Three weeks: "office" sends 4 an hour 09:00-17:00 on weekdays; "busy" sends 16 an hour 08:00-18:00 (160 a day).
        for (int day = 0; day < 21; day++)
        {
            if (day % 7 >= 5)
            {
                continue;
            }

            for (int hour = 8; hour < 18; hour++)
            {
                var at = monday.AddDays(day).AddHours(hour);
                Assert.Null(Send(monitor, "busy", at, 16).Action);
                if (hour >= 9 && hour < 17)
                {
                    Assert.Null(Send(monitor, "office", at, 4).Action);
                }
            }
        }

        // A normal Monday of the busy account: 160 messages, 16 an hour, never 6x its own hour.
        var week4 = monday.AddDays(21);
        for (int hour = 8; hour < 18; hour++)
        {
            Assert.Null(Send(monitor, "busy", week4.AddHours(hour), 16).Action);
        }

        // The office account hijacked that evening: 35 replies an hour to its correspondents from 18:00.
        MonitorDecision? first = null;
        int hijackHours = 0;
        for (int hour = 18; hour < 24 && first is null; hour++, hijackHours++)
        {
            var decision = Send(monitor, "office", week4.AddHours(hour), 35);
            first = decision.Reasons.Any(r => r.Rule == MonitorRuleIds.MessagesHourOfWeek) ? decision : null;
        }

        Assert.NotNull(first);
        Assert.Equal(MonitorAction.Alert, first.Action);
        Assert.InRange(hijackHours, 3, 4); // messages.24h >= 100 takes three hours at 35 an hour
    }

    [Fact]
    public void The_shipped_low_and_slow_rule_alerts_hours_before_the_daily_count_and_not_on_a_burst_of_first_contacts()
    {
        var monitor = MonitorTestKit.Monitor(MonitorOptions.Default);
        var monday = new DateTimeOffset(2025, 4, 21, 0, 0, 0, TimeSpan.Zero);
        for (int day = 0; day < 21; day++)
        {
            if (day % 7 < 5)
            {
                Send(monitor, "erin", monday.AddDays(day).AddHours(10), 5);
                Send(monitor, "frank", monday.AddDays(day).AddHours(10), 5);
            }
        }

        // frank writes to 24 new people within an hour (a mailing to new contacts): a burst, not a trickle.
        var week4 = monday.AddDays(21);
        var burst = MonitorTestKit.Blast(monitor, "frank", week4.AddHours(11), 24, TimeSpan.FromMinutes(2), prefix: "contact");
        Assert.DoesNotContain(burst.Reasons, r => r.Rule == MonitorRuleIds.NewDomainsHourOfWeek);

        // erin's mailbox sends 4 messages an hour to never-seen domains, around the clock.
        MonitorDecision decision = MonitorDecision.None;
        int sent = 0;
        while (sent < 200 && !decision.Reasons.Any(r => r.Rule == MonitorRuleIds.NewDomainsHourOfWeek))
        {
            decision = monitor.Observe(MonitorTestKit.Message("erin", week4.AddHours(12) + TimeSpan.FromMinutes(15 * sent), $"v@slow{sent}.example"));
            sent++;
        }

        Assert.Equal(20, sent); // 20 new-domain messages in the day, after 5 hours
        Assert.DoesNotContain(decision.Reasons, r => r.Rule == MonitorRuleIds.NewDomainsDaily); // that one needs 40
        Assert.Equal(MonitorAction.Alert, decision.Action);
    }

    private const double HourOfWeekBaselineFloor = MonitorState.HourOfWeekFloorDivisor;

    private static MonitorSignal Signal(string name)
    {
        Assert.True(MonitorSignal.TryParse(name, out var signal));
        return signal;
    }

    /// <summary><paramref name="count"/> messages to a known correspondent within the first 40 minutes of <paramref name="hour"/>.</summary>
    private static MonitorDecision Send(BehaviorMonitor monitor, string account, DateTimeOffset hour, int count)
    {
        var decision = MonitorDecision.None;
        for (int i = 0; i < count; i++)
        {
            decision = monitor.Observe(MonitorTestKit.Message(account, hour + TimeSpan.FromSeconds(i * 2400 / count), "pal@partner.example"));
        }

        return decision;
    }
}
