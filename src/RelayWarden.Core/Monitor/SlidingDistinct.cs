namespace RelayWarden.Core.Monitor;

/// <summary>
/// Distinct values seen in the last 10 minutes and the last hour. Exact while small: a table of
/// (fingerprint, last seen) pairs. When more distinct values than the table holds were seen within
/// the hour, it upgrades to a ring of twelve 5-minute HyperLogLog buckets (precision 7, standard
/// error 9.2%), folded by register-wise max at query time; it downgrades after a quiet hour.
/// </summary>
internal sealed class SlidingDistinct
{
    public const int Precision = 7;
    private const int Registers = 1 << Precision;
    private const int SketchBuckets = 12;
    private const int SketchWidth = 300;

    private readonly int _capacity;
    private uint[]? _fingerprints;
    private int[]? _lastSeen;
    private int _count;
    private long _base = long.MinValue;

    private byte[]? _sketch;
    private long _sketchCurrent;

    public SlidingDistinct(int capacity) => _capacity = capacity;

    public bool IsSketch => _sketch is not null;

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

        int now = Relative(seconds);
        _fingerprints ??= new uint[_capacity];
        _lastSeen ??= new int[_capacity];
        uint fingerprint = (uint)(hash >> 32) | 1u;
        int oldest = -1;
        for (int i = 0; i < _count; i++)
        {
            if (_fingerprints[i] == fingerprint)
            {
                _lastSeen[i] = Math.Max(_lastSeen[i], now);
                return;
            }

            if (oldest < 0 || _lastSeen[i] < _lastSeen[oldest])
            {
                oldest = i;
            }
        }

        if (_count < _capacity)
        {
            _fingerprints[_count] = fingerprint;
            _lastSeen[_count++] = now;
            return;
        }

        if (_lastSeen[oldest] <= now - 3600)
        {
            _fingerprints[oldest] = fingerprint;
            _lastSeen[oldest] = now;
            return;
        }

        Upgrade(seconds, hash);
    }

    /// <summary>Distinct values within the last <paramref name="windowSeconds"/> (600 or 3600) before <paramref name="seconds"/>.</summary>
    public double Count(long seconds, int windowSeconds)
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

        if (_base == long.MinValue || _lastSeen is null)
        {
            return 0;
        }

        int cutoff = Relative(seconds) - windowSeconds;
        int n = 0;
        for (int i = 0; i < _count; i++)
        {
            if (_lastSeen[i] > cutoff)
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
        for (int i = 0; i < _count; i++)
        {
            long seen = _base + _lastSeen![i];
            long bucket = Math.DivRem(seen, SketchWidth, out _);
            if (bucket > _sketchCurrent - SketchBuckets)
            {
                // The table keeps 32-bit fingerprints: re-spread them to a full hash for the registers.
                ulong rehash = MonitorHash.Mix(_fingerprints![i]);
                HyperLogLog.Add(_sketch.AsSpan(SketchSlot(Math.Min(bucket, _sketchCurrent)) * Registers, Registers), Precision, rehash);
            }
        }

        HyperLogLog.Add(_sketch.AsSpan(SketchSlot(_sketchCurrent) * Registers, Registers), Precision, MonitorHash.Mix((uint)(hash >> 32) | 1u));
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

    private int Relative(long seconds) => (int)Math.Clamp(seconds - _base, int.MinValue / 2, int.MaxValue / 2);

    /// <summary>Approximate bytes held.</summary>
    public int StateBytes => 48 + (_fingerprints is null ? 0 : 24 + (_capacity * 8) + 24) + (_sketch is null ? 0 : 24 + _sketch.Length);
}
