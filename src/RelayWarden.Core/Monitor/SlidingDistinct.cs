namespace RelayWarden.Core.Monitor;

/// <summary>
/// Distinct values seen in the last 10 minutes and the last hour. Exact while small: a table of
/// (32-bit fingerprint, last seen) pairs packed in one word each, open addressing. When more distinct values than the
/// table holds were seen within the hour, it upgrades to a ring of twelve 5-minute HyperLogLog buckets
/// (precision 6, standard error 13%), folded by register-wise max at query time, and downgrades after
/// a quiet hour.
/// </summary>
/// <remarks>A mutable struct over a slice of an array its owner shares; keep it in a non-readonly field.</remarks>
internal struct SlidingDistinct
{
    public const int Precision = 6;
    private const int Registers = 1 << Precision;
    private const int SketchBuckets = 12;
    private const int SketchWidth = 300;

    private readonly ulong[] _table;
    private readonly int _offset;
    private readonly int _capacity;
    private int _count;
    private long _base = long.MinValue;

    private byte[]? _sketch;
    private long _sketchCurrent;

    public SlidingDistinct(int capacity)
        : this(new ulong[capacity], 0, capacity)
    {
    }

    public SlidingDistinct(ulong[] storage, int offset, int capacity)
    {
        _table = storage;
        _offset = offset;
        _capacity = capacity;
    }

    public readonly bool IsSketch => _sketch is not null;

    /// <summary>Extra bytes held beyond the shared table (the sketch, when upgraded).</summary>
    public readonly int SketchBytes => _sketch is null ? 0 : 24 + _sketch.Length;

    /// <summary>Records <paramref name="hash"/> at <paramref name="seconds"/> (event time).</summary>
    public void Add(ulong hash, long seconds)
    {
        if (_base == long.MinValue)
        {
            _base = seconds;
        }

        if (_sketch is not null)
        {
            if (!AdvanceSketch(seconds))
            {
                HyperLogLog.Add(_sketch.AsSpan(SketchSlot(_sketchCurrent) * Registers, Registers), Precision, hash);
                return;
            }
        }

        uint now = (uint)Relative(seconds);
        ulong fingerprint = ((hash >> 32) | 1UL) << 32;
        var table = _table.AsSpan(_offset, _capacity);

        // Open addressing with linear probing; slots are never emptied, only replaced once the table is full.
        int home = (int)((uint)hash % (uint)_capacity);
        for (int probe = 0; probe < _capacity; probe++)
        {
            int slot = home + probe;
            if (slot >= _capacity)
            {
                slot -= _capacity;
            }

            ulong entry = table[slot];
            if (entry == 0)
            {
                table[slot] = fingerprint | now;
                _count++;
                return;
            }

            if ((entry & 0xFFFF_FFFF_0000_0000UL) == fingerprint)
            {
                if (now > (uint)entry)
                {
                    table[slot] = fingerprint | now;
                }

                return;
            }
        }

        int oldest = 0;
        for (int i = 1; i < _capacity; i++)
        {
            if ((uint)table[i] < (uint)table[oldest])
            {
                oldest = i;
            }
        }

        if ((long)(uint)table[oldest] <= (long)now - 3600)
        {
            table[oldest] = fingerprint | now;
            return;
        }

        Upgrade(seconds, hash);
    }

    /// <summary>Distinct values within the last <paramref name="windowSeconds"/> (600 or 3600) before <paramref name="seconds"/>.</summary>
    public readonly double Count(long seconds, int windowSeconds)
    {
        if (_sketch is not null)
        {
            long index = Math.DivRem(seconds, SketchWidth, out _);
            int back = windowSeconds <= 600 ? 3 : SketchBuckets;
            Span<byte> merged = stackalloc byte[Registers];
            merged.Clear();
            for (int b = 0; b < back; b++)
            {
                long bucket = _sketchCurrent - b;
                if (bucket <= index - SketchBuckets)
                {
                    break;
                }

                var registers = _sketch.AsSpan(SketchSlot(bucket) * Registers, Registers);
                for (int r = 0; r < Registers; r++)
                {
                    if (registers[r] > merged[r])
                    {
                        merged[r] = registers[r];
                    }
                }
            }

            return HyperLogLog.Estimate(merged);
        }

        if (_base == long.MinValue)
        {
            return 0;
        }

        long cutoff = Relative(seconds) - windowSeconds;
        var table = _table.AsSpan(_offset, _capacity);
        int n = 0;
        for (int i = 0; i < _capacity; i++)
        {
            if (table[i] != 0 && (uint)table[i] > cutoff)
            {
                n++;
            }
        }

        return n;
    }

    private void Upgrade(long seconds, ulong hash)
    {
        _sketch = new byte[SketchBuckets * Registers];
        _sketchCurrent = Math.DivRem(seconds, SketchWidth, out _);
        var table = _table.AsSpan(_offset, _capacity);
        for (int i = 0; i < _capacity; i++)
        {
            if (table[i] == 0)
            {
                continue;
            }

            long seen = _base + (uint)table[i];
            long bucket = Math.DivRem(seen, SketchWidth, out _);
            if (bucket > _sketchCurrent - SketchBuckets)
            {
                // The table keeps 32-bit fingerprints: re-spread them to a full hash for the registers.
                ulong rehash = MonitorHash.Mix(table[i] >> 32);
                HyperLogLog.Add(_sketch.AsSpan(SketchSlot(Math.Min(bucket, _sketchCurrent)) * Registers, Registers), Precision, rehash);
            }
        }

        HyperLogLog.Add(_sketch.AsSpan(SketchSlot(_sketchCurrent) * Registers, Registers), Precision, MonitorHash.Mix((hash >> 32) | 1UL));
        table.Clear();
        _count = 0;
    }

    /// <summary>Moves the sketch to the bucket of <paramref name="seconds"/>; true when it was dropped after a quiet hour.</summary>
    private bool AdvanceSketch(long seconds)
    {
        long index = Math.DivRem(seconds, SketchWidth, out _);
        if (index <= _sketchCurrent)
        {
            return false;
        }

        if (index - _sketchCurrent >= SketchBuckets)
        {
            _sketch = null;
            _table.AsSpan(_offset, _capacity).Clear();
            _count = 0;
            return true;
        }

        for (long b = _sketchCurrent + 1; b <= index; b++)
        {
            _sketch!.AsSpan(SketchSlot(b) * Registers, Registers).Clear();
        }

        _sketchCurrent = index;
        return false;
    }

    private static int SketchSlot(long bucket) => (int)(((bucket % SketchBuckets) + SketchBuckets) % SketchBuckets);

    // Relative seconds since the first value; clamped at 0 for out-of-order values before it.
    private readonly long Relative(long seconds) => Math.Clamp(seconds - _base, 0, uint.MaxValue - 1);
}
