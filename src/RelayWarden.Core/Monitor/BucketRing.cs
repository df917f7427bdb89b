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
            _storage[Slot(_current + i)] = default;
        }

        _current = index;
        return completed;
    }

    public readonly ref WindowCounts Current => ref _storage[Slot(_current)];

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
