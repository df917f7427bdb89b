namespace RelayWarden.Core.Monitor;

/// <summary>
/// A sliding window as a ring of fixed-width time buckets. A window of k buckets sums the current
/// (partial) bucket and the k-1 before it, so it covers between (k-1) and k bucket widths. Events
/// older than the current bucket (out of order) are counted in the current one.
/// </summary>
internal sealed class BucketRing
{
    private readonly WindowCounts[] _buckets;
    private readonly int _width;
    private long _current = long.MinValue;

    public BucketRing(int buckets, int widthSeconds)
    {
        _buckets = new WindowCounts[buckets];
        _width = widthSeconds;
    }

    public int Length => _buckets.Length;

    public int WidthSeconds => _width;

    /// <summary>The index of the current bucket (time / width), or long.MinValue before the first event.</summary>
    public long CurrentIndex => _current;

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
        long clear = Math.Min(completed, _buckets.Length);
        for (long i = 1; i <= clear; i++)
        {
            _buckets[Slot(_current + i)] = default;
        }

        _current = index;
        return completed;
    }

    public ref WindowCounts Current => ref _buckets[Slot(_current)];

    /// <summary>The bucket <paramref name="back"/> steps before the current one (0 = current).</summary>
    public ref readonly WindowCounts Back(int back) => ref _buckets[Slot(_current - back)];

    /// <summary>The sum of the current bucket and the <paramref name="buckets"/>-1 before it.</summary>
    public WindowSums Sum(int buckets)
    {
        var sums = default(WindowSums);
        if (_current == long.MinValue)
        {
            return sums;
        }

        int n = Math.Min(buckets, _buckets.Length);
        for (int i = 0; i < n; i++)
        {
            sums.Add(in _buckets[Slot(_current - i)]);
        }

        return sums;
    }

    private int Slot(long index)
    {
        long slot = index % _buckets.Length;
        return (int)(slot < 0 ? slot + _buckets.Length : slot);
    }

    /// <summary>Approximate bytes held.</summary>
    public int StateBytes => 24 + 16 + (_buckets.Length * 12) + 32;
}
