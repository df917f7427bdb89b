using System.Runtime.InteropServices;

namespace RelayWarden.Core.Monitor;

/// <summary>
/// An account's own normal per hour of the week, in 144 bytes: 48 slots (24 UTC hours of the day x
/// weekday / weekend) x 3 counters (messages, recipients, new-domain messages), each the
/// exponentially decayed peak of the completed clock hours that fell in the slot, stored as one
/// log-scaled byte (15 steps per doubling: 4.7% resolution, up to 65,535).
/// </summary>
/// <remarks>
/// <para>Why 48 slots and not 168: 168 x 3 counters is 504 bytes, which would take the account past the
/// 2 KB budget. Weekdays share their hour-of-day slot (Monday 10:00 and Thursday 10:00 are alike for
/// business mail), and Saturday and Sunday share the weekend slots; what is lost is a weekday
/// pattern (a report run every Monday) and time zones: hours are UTC, so an account far from UTC
/// sees its weekend shifted by its offset.</para>
/// <para>Decay happens in the log domain: halving every counter of every slot is subtracting 15 from
/// each byte. A table-wide fraction (<see cref="_pending"/>) holds the decay not applied yet; the
/// bytes are rewritten only when it reaches a whole step, i.e. about every 48 hours with the default
/// 30-day half-life. A mutable struct over a slice of the owner's word array; keep it in a non-readonly field.</para>
/// </remarks>
internal struct HourOfWeekBaseline
{
    /// <summary>24 hours of the day x (weekday, weekend).</summary>
    public const int Slots = 48;

    /// <summary>Messages, recipients, new-domain messages.</summary>
    public const int Counters = 3;

    /// <summary>Words of the owner's array this table takes.</summary>
    public const int Words = Slots * Counters / 8;

    /// <summary>Log steps per doubling.</summary>
    private const float StepsPerDoubling = 15f;

    private readonly ulong[] _storage;
    private readonly int _offset;
    private long _lastHour;
    private float _pending;

    public HourOfWeekBaseline(ulong[] storage, int offset)
    {
        _storage = storage;
        _offset = offset;
        _lastHour = long.MinValue;
    }

    private readonly Span<byte> Bytes => MemoryMarshal.AsBytes(_storage.AsSpan(_offset, Words));

    /// <summary>The slot of an hour (index = unix seconds / 3600): hour of day (UTC), plus 24 on Saturday and Sunday.</summary>
    public static int SlotOf(long hourIndex)
    {
        long day = Math.DivRem(hourIndex, 24, out long hour);
        if (hour < 0)
        {
            hour += 24;
            day--;
        }

        // 1970-01-01 was a Thursday: (day + 4) mod 7 is 0 on Sunday, 6 on Saturday.
        long weekday = ((day + 4) % 7 + 7) % 7;
        return (int)hour + (weekday is 0 or 6 ? 24 : 0);
    }

    /// <summary>
    /// The latest hour before <paramref name="hourIndex"/> that falls in the same slot: the day before
    /// for a weekday slot (skipping the weekend) and a weekend slot (Sunday after Saturday; Saturday
    /// after the previous Sunday).
    /// </summary>
    public static long PreviousInSlot(long hourIndex)
    {
        int slot = SlotOf(hourIndex);
        long candidate = hourIndex - 24;
        while (SlotOf(candidate) != slot)
        {
            candidate -= 24;
        }

        return candidate;
    }

    /// <summary>Folds a completed hour into its slot: the slot keeps the larger of its decayed peak and this hour.</summary>
    public void Complete(long hourIndex, in WindowCounts hour, double halfLifeHours)
    {
        if (_lastHour != long.MinValue && hourIndex > _lastHour)
        {
            _pending += (float)((hourIndex - _lastHour) * StepsPerDoubling / halfLifeHours);
            if (_pending >= 1f)
            {
                int steps = (int)Math.Min(_pending, 255f);
                _pending -= (int)_pending;
                foreach (ref byte value in Bytes)
                {
                    value = value > steps ? (byte)(value - steps) : (byte)0;
                }
            }
        }

        _lastHour = _lastHour == long.MinValue ? hourIndex : Math.Max(_lastHour, hourIndex);
        var bytes = Bytes;
        int at = SlotOf(hourIndex) * Counters;
        Raise(ref bytes[at], hour.Messages);
        Raise(ref bytes[at + 1], hour.Recipients);
        Raise(ref bytes[at + 2], hour.NewDomainMessages);
    }

    /// <summary>The decayed peak of <paramref name="counter"/> (0 messages, 1 recipients, 2 new-domain messages) in <paramref name="slot"/>.</summary>
    public readonly double Peak(int slot, int counter)
    {
        byte value = Bytes[(slot * Counters) + counter];
        return value == 0 ? 0 : Math.Pow(2, (value - 1 - _pending) / StepsPerDoubling);
    }

    private readonly void Raise(ref byte stored, int count)
    {
        if (count <= 0)
        {
            return;
        }

        // Stored in the frame of the pending decay, so that reading (which subtracts it) gives the count back.
        double steps = 1 + Math.Round((Math.Log2(count) * StepsPerDoubling) + _pending);
        byte value = (byte)Math.Min(255, steps);
        if (value > stored)
        {
            stored = value;
        }
    }
}
