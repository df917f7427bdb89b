using System.Diagnostics.CodeAnalysis;

namespace RelayWarden.Core.Monitor;

/// <summary>
/// A sliding window as a ring of fixed-width time buckets. A window of k buckets sums the current
/// (partial) bucket and the k-1 before it, so it covers between (k-1) and k bucket widths. Events
/// older than the current bucket (out of order) are counted in the current one.
/// </summary>
/// <remarks>A mutable struct over a slice of an array the owner shares between its rings (fewer objects, fewer cache misses); keep it in a non-readonly field.</remarks>
internal struct BucketRing
{
    private readonly WindowCounts[] _storage;
    private readonly int _offset;
    private readonly int _length;
    private readonly int _width;
    private long _current = long.MinValue;
    private WindowSums _total;

    public BucketRing(int buckets, int widthSeconds)
        : this(new WindowCounts[buckets], 0, buckets, widthSeconds)
    {
    }

    public BucketRing(WindowCounts[] storage, int offset, int buckets, int widthSeconds)
    {
        _storage = storage;
        _offset = offset;
        _length = buckets;
        _width = widthSeconds;
    }

    public readonly int Length => _length;

    public readonly int WidthSeconds => _width;

    /// <summary>The index of the current bucket (time / width), or long.MinValue before the first event.</summary>
    public readonly long CurrentIndex => _current;

    /// <summary>Moves to the bucket of <paramref name="seconds"/>, clearing skipped buckets. Returns how many buckets were completed.</summary>
    public long Advance(long seconds)
    {
        long index = Math.DivRem(seconds, _width, out long rem);
        if (rem < 0)
        {
            index--;
        }

        if (_current == long.MinValue)
        {
            _current = index;
            return 0;
        }

        if (index <= _current)
        {
            return 0;
        }

        long completed = index - _current;
        long clear = Math.Min(completed, _length);
        for (long i = 1; i <= clear; i++)
        {
            ref var bucket = ref _storage[Slot(_current + i)];
            _total.Subtract(in bucket);
            bucket = default;
        }

        _current = index;
        return completed;
    }

    public readonly ref WindowCounts Current => ref _storage[Slot(_current)];

    /// <summary>Adds to the current bucket and the running total (saturating per bucket).</summary>
    public void Add(int messages, int recipients, int newDomains, int newDomainMessages, int refused, int nullSender)
    {
        ref var bucket = ref _storage[Slot(_current)];
        _total.Subtract(in bucket);
        bucket.Messages = WindowCounts.Add(bucket.Messages, messages);
        bucket.Recipients = WindowCounts.Add(bucket.Recipients, recipients);
        bucket.NewDomains = WindowCounts.Add(bucket.NewDomains, newDomains);
        bucket.NewDomainMessages = WindowCounts.Add(bucket.NewDomainMessages, newDomainMessages);
        bucket.Refused = WindowCounts.Add(bucket.Refused, refused);
        bucket.NullSender = WindowCounts.Add(bucket.NullSender, nullSender);
        _total.Add(in bucket);
    }

    /// <summary>The sum of every bucket of the ring, kept up to date on each add and clear (O(1)).</summary>
    public readonly WindowSums Total => _total;

    /// <summary>The running total by reference (no copy), for the owner's cached window reads.</summary>
    [UnscopedRef]
    public readonly ref readonly WindowSums TotalRef => ref _total;

    /// <summary>The bucket <paramref name="back"/> steps before the current one (0 = current).</summary>
    public readonly ref readonly WindowCounts Back(int back) => ref _storage[Slot(_current - back)];

    /// <summary>The sum of the current bucket and the <paramref name="buckets"/>-1 before it.</summary>
    public readonly WindowSums Sum(int buckets)
    {
        var sums = default(WindowSums);
        if (_current == long.MinValue)
        {
            return sums;
        }

        if (buckets >= _length)
        {
            return _total;
        }

        int n = Math.Min(buckets, _length);
        for (int i = 0; i < n; i++)
        {
            sums.Add(in _storage[Slot(_current - i)]);
        }

        return sums;
    }

    private readonly int Slot(long index)
    {
        long slot = index % _length;
        return _offset + (int)(slot < 0 ? slot + _length : slot);
    }
}
