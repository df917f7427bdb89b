namespace RelayWarden.Core.Monitor;

/// <summary>
/// The counters of one key (an account, a tenant, an IP or an envelope sender): three bucket rings
/// (11 x 1 min, 7 x 10 min, 25 x 1 h), the decayed baselines (overall and per hour of the week), the Bloom
/// filter of known recipient domains and the sliding distinct counters. About 1.9 KB while the account sends to at most 32
/// distinct domains and 32 distinct recipients an hour (measured in MonitorStateSizeTests).
/// </summary>
public sealed class MonitorState
{
    private const int MinuteBuckets = 11;
    private const int TenMinuteBuckets = 7;
    private const int HourBuckets = 25;

    private const int DistinctCapacity = 32;

    // Two arrays hold everything: the buckets of the three rings, and the Bloom filter, both distinct tables and the hour-of-week table.
    private readonly WindowCounts[] _buckets = new WindowCounts[MinuteBuckets + TenMinuteBuckets + HourBuckets];
    private readonly ulong[] _words = new ulong[KnownDomains.Words + (2 * DistinctCapacity) + HourOfWeekBaseline.Words];
    private BucketRing _minutes;
    private BucketRing _tenMinutes;
    private BucketRing _hours;
    private Baseline _baseline;
    private HourOfWeekBaseline _hourOfWeek;
    private KnownDomains _known;
    private SlidingDistinct _domains;
    private SlidingDistinct _recipients;
    private long[]? _lastAlert;

    // Window sums are read by many rule terms per message: the 10m, 1h and 24h windows are whole rings (their
    // running totals); the 1m window (2 of 11 minute buckets) is computed once per message.
    private WindowSums _sum1m;
    private bool _sum1mValid;

    internal MonitorState(long firstSeen)
    {
        FirstSeen = firstSeen;
        _minutes = new BucketRing(_buckets, 0, MinuteBuckets, 60);
        _tenMinutes = new BucketRing(_buckets, MinuteBuckets, TenMinuteBuckets, 600);
        _hours = new BucketRing(_buckets, MinuteBuckets + TenMinuteBuckets, HourBuckets, 3600);
        _known = new KnownDomains(_words, 0);
        _domains = new SlidingDistinct(_words, KnownDomains.Words, DistinctCapacity);
        _recipients = new SlidingDistinct(_words, KnownDomains.Words + DistinctCapacity, DistinctCapacity);
        _hourOfWeek = new HourOfWeekBaseline(_words, KnownDomains.Words + (2 * DistinctCapacity));
    }

    /// <summary>Unix seconds of the first observation.</summary>
    public long FirstSeen { get; }

    /// <summary>Unix seconds of the latest observation.</summary>
    public long LastSeen { get; private set; }

    /// <summary>Unix seconds of the directory's created_at, when known.</summary>
    public long? CreatedAt { get; internal set; }

    public bool Suspended { get; internal set; }

    /// <summary>The rule that suspended the key.</summary>
    public string? SuspendedBy { get; internal set; }

    /// <summary>Approximate bytes this state holds (for the per-account budget).</summary>
    public int StateBytes =>
        320 // this object: header, fields, the inline structs and the cached 1m window sums
        + 24 + (_buckets.Length * 12) + 24 + (_words.Length * 8)
        + _domains.SketchBytes + _recipients.SketchBytes + (_lastAlert is null ? 0 : 24 + (_lastAlert.Length * 8));

    /// <summary>
    /// Counts one message. <paramref name="domainHashes"/> and <paramref name="recipientHashes"/> are per recipient.
    /// True when the message opened a new clock hour; <paramref name="completedHour"/> is then the key's previous active hour.
    /// </summary>
    internal bool Record(long seconds, Observation observation, ReadOnlySpan<ulong> domainHashes, ReadOnlySpan<ulong> recipientHashes, double halfLifeHours, DistinctTracking tracking,
        out WindowCounts completedHour)
    {
        bool completed = AdvanceTo(seconds, halfLifeHours, out completedHour);
        int newDomains = 0;
        for (int i = 0; i < domainHashes.Length && tracking != DistinctTracking.None; i++)
        {
            if ((tracking & DistinctTracking.Novelty) != 0 && _known.Add(domainHashes[i]))
            {
                newDomains++;
            }

            if ((tracking & DistinctTracking.Domains) != 0)
            {
                _domains.Add(domainHashes[i], seconds);
            }

            if ((tracking & DistinctTracking.Recipients) != 0)
            {
                _recipients.Add(recipientHashes[i], seconds);
            }
        }

        int recipients = domainHashes.Length;
        int isNull = observation.IsNullSender ? 1 : 0;
        int newMessage = newDomains > 0 ? 1 : 0;
        int refused = observation.RefusedRecipients;
        _minutes.Add(1, recipients, newDomains, newMessage, refused, isNull);
        _tenMinutes.Add(1, recipients, newDomains, newMessage, refused, isNull);
        _hours.Add(1, recipients, newDomains, newMessage, refused, isNull);
        return completed;
    }

    /// <summary>Counts recipients refused after the fact (delivery results: bounces, 5xx at the next hop).</summary>
    internal bool RecordRefused(long seconds, int count, double halfLifeHours, out WindowCounts completedHour)
    {
        bool completed = AdvanceTo(seconds, halfLifeHours, out completedHour);
        _minutes.Add(0, 0, 0, 0, count, 0);
        _tenMinutes.Add(0, 0, 0, 0, count, 0);
        _hours.Add(0, 0, 0, 0, count, 0);
        return completed;
    }

    private bool AdvanceTo(long seconds, double halfLifeHours, out WindowCounts completedHour)
    {
        _sum1mValid = false;
        LastSeen = Math.Max(LastSeen, seconds);
        long hour = HourOf(seconds);
        bool completed = false;
        completedHour = default;
        if (_hours.CurrentIndex != long.MinValue && hour > _hours.CurrentIndex)
        {
            completedHour = _hours.Current;
            _baseline.Complete(_hours.CurrentIndex, in completedHour, halfLifeHours);
            _hourOfWeek.Complete(_hours.CurrentIndex, in completedHour, halfLifeHours);
            completed = true;
        }

        _minutes.Advance(seconds);
        _tenMinutes.Advance(seconds);
        _hours.Advance(seconds);
        return completed;
    }

    private static long HourOf(long seconds) => Math.DivRem(seconds, 3600, out long rem) - (rem < 0 ? 1 : 0);

    /// <summary>The sums of a window: 1m = 2 minute buckets, 10m = 11, 1h = 7 ten-minute buckets, 24h = 25 hour buckets.</summary>
    internal ref readonly WindowSums Sums(SignalWindow window)
    {
        switch (window)
        {
            case SignalWindow.OneMinute:
                if (!_sum1mValid)
                {
                    _sum1m = _minutes.Sum(2);
                    _sum1mValid = true;
                }

                return ref _sum1m;
            case SignalWindow.TenMinutes:
                return ref _minutes.TotalRef;
            case SignalWindow.OneHour:
                return ref _tenMinutes.TotalRef;
            default:
                return ref _hours.TotalRef;
        }
    }

    /// <summary>
    /// The value of <paramref name="signal"/> at <paramref name="seconds"/> (the latest observation's time). The
    /// <c>*_vs_population</c> signals need the peers: they read 0 here, <see cref="BehaviorMonitor.Read"/> gives them.
    /// </summary>
    public double Read(MonitorSignal signal, long seconds)
    {
        switch (signal.Measure)
        {
            case SignalMeasure.AccountAgeHours:
                return (seconds - (CreatedAt ?? FirstSeen)) / 3600.0;
            case SignalMeasure.HistoryDays:
                return (seconds - FirstSeen) / 86400.0;
            case SignalMeasure.KnownDomains:
                return _known.Count;
            case SignalMeasure.Domains:
                return _domains.Count(seconds, (int)signal.Window);
            case SignalMeasure.DistinctRecipients:
                return _recipients.Count(seconds, (int)signal.Window);
            case SignalMeasure.NewDomainSpread:
                int active = 0;
                for (int i = 0; i < TenMinuteBuckets; i++)
                {
                    if (_tenMinutes.Back(i).NewDomainMessages > 0)
                    {
                        active++;
                    }
                }

                return active;
            case SignalMeasure.MessagesVsBaseline:
                return Sums(SignalWindow.OneHour).Messages / Math.Max(1f, _baseline.Messages);
            case SignalMeasure.RecipientsVsBaseline:
                return Sums(SignalWindow.OneHour).Recipients / Math.Max(1f, _baseline.Recipients);
            case SignalMeasure.NewDomainMessagesVsBaseline:
                return Sums(SignalWindow.OneHour).NewDomainMessages / Math.Max(1f, _baseline.NewDomainMessages);
            case SignalMeasure.MessagesVsHourOfWeek:
                return Sums(SignalWindow.OneHour).Messages / HourOfWeekReference(0, seconds);
            case SignalMeasure.RecipientsVsHourOfWeek:
                return Sums(SignalWindow.OneHour).Recipients / HourOfWeekReference(1, seconds);
            case SignalMeasure.NewDomainMessagesVsHourOfWeek:
                return Sums(SignalWindow.OneHour).NewDomainMessages / HourOfWeekReference(2, seconds);
        }

        ref readonly var sums = ref Sums(signal.Window);
        return signal.Measure switch
        {
            SignalMeasure.Messages => sums.Messages,
            SignalMeasure.Recipients => sums.Recipients,
            SignalMeasure.NewDomains => sums.NewDomains,
            SignalMeasure.NewDomainMessages => sums.NewDomainMessages,
            SignalMeasure.Refused => sums.Refused,
            SignalMeasure.NullSender => sums.NullSender,
            SignalMeasure.NewDomainShare => sums.Recipients == 0 ? 0 : (double)sums.NewDomains / sums.Recipients,
            SignalMeasure.RefusedShare => sums.Refused == 0 ? 0 : (double)sums.Refused / (sums.Recipients + sums.Refused),
            _ => 0,
        };
    }

    /// <summary>
    /// What the 1 h figure of <paramref name="counter"/> (0 messages, 1 recipients, 2 new-domain messages) is divided
    /// by for the <c>*_vs_how</c> signals: the decayed peak of the current hour's slot (hour of day x weekday/weekend),
    /// at least 1/<see cref="HourOfWeekFloorDivisor"/> of the overall decayed peak and at least 1; the overall peak
    /// (at least 1) while the slot has no history (the key was first seen after the slot's previous occurrence).
    /// </summary>
    public double HourOfWeekReference(int counter, long seconds)
    {
        double overall = counter switch
        {
            0 => _baseline.Messages,
            1 => _baseline.Recipients,
            _ => _baseline.NewDomainMessages,
        };
        long hour = HourOf(seconds);
        if (HourOfWeekBaseline.PreviousInSlot(hour) < HourOf(FirstSeen))
        {
            return Math.Max(1, overall);
        }

        return Math.Max(1, Math.Max(_hourOfWeek.Peak(HourOfWeekBaseline.SlotOf(hour), counter), overall / HourOfWeekFloorDivisor));
    }

    /// <summary>A quiet slot's reference is at least the overall peak divided by this (so one busy hour at night is not 50x).</summary>
    public const double HourOfWeekFloorDivisor = 8;

    /// <summary>The decayed hourly peaks: messages, recipients, new-domain messages.</summary>
    public (double Messages, double Recipients, double NewDomainMessages) BaselinePeaks =>
        (_baseline.Messages, _baseline.Recipients, _baseline.NewDomainMessages);

    /// <summary>True when <paramref name="ruleIndex"/> alerted within <paramref name="dedupSeconds"/>; otherwise records the alert time.</summary>
    internal bool AlertedRecently(int ruleIndex, int ruleCount, long seconds, long dedupSeconds)
    {
        _lastAlert ??= CreateAlertTimes(ruleCount);
        if (ruleIndex >= _lastAlert.Length)
        {
            return false;
        }

        long last = _lastAlert[ruleIndex];
        if (last != long.MinValue && seconds - last < dedupSeconds)
        {
            return true;
        }

        _lastAlert[ruleIndex] = seconds;
        return false;
    }

    private static long[] CreateAlertTimes(int count)
    {
        var times = new long[count];
        Array.Fill(times, long.MinValue);
        return times;
    }
}

/// <summary>Which per-recipient structures a key feeds: only those some rule of its scope reads (they cost the most per recipient).</summary>
[Flags]
internal enum DistinctTracking
{
    None = 0,
    Domains = 1,
    Recipients = 2,
    /// <summary>The Bloom filter of known domains (new-domain signals).</summary>
    Novelty = 4,
}
