namespace RelayWarden.Core.Monitor;

/// <summary>
/// What a peer account does in an hour: exponentially decayed histograms of the messages, recipients
/// and new-domain messages of completed active account-hours (an hour in which an account sent at
/// least one message), for one group of accounts (a tenant, or all accounts). The peers' figure a
/// signal compares to is the decayed 95th percentile. Event time only (the hour's completion time),
/// O(1) per completed account-hour, fixed size (3 x 66 doubles).
/// </summary>
/// <remarks>
/// Bins: 0 = no event in the hour, then four per doubling (1, 1.19, 1.41, 1.68, 2, ...) up to 65,536; the
/// percentile is the smallest whole count of its bin, so it is exact up to 8 and at most 19% low above. Decay
/// uses a growing weight instead of shrinking every bin: an hour completed at time t adds
/// 2^((t - t0) / half-life), and the bins are rescaled when that weight grows large.
/// </remarks>
public sealed class PopulationBaseline
{
    /// <summary>The percentile of peers' active hours that the <c>*_vs_population</c> signals divide by.</summary>
    public const double Percentile = 0.95;

    private const int StepsPerDoubling = 4;
    private const int Bins = 2 + (16 * StepsPerDoubling);
    private const int Measures = 3;

    private readonly double[] _weights = new double[Bins * Measures];
    private readonly double[] _quantiles = new double[Measures];
    private readonly double _halfLifeHours;
    private long _origin = long.MinValue;
    private long _latest = long.MinValue;
    private double _total;
    private bool _dirty = true;

    public PopulationBaseline(double halfLifeHours)
    {
        _halfLifeHours = halfLifeHours;
    }

    /// <summary>The decayed number of account-hours behind the figures (how much to trust them).</summary>
    public double Weight => _latest == long.MinValue ? 0 : _total * Scale(_latest);

    /// <summary>Adds one completed active account-hour, at event time <paramref name="seconds"/>.</summary>
    internal void Add(long seconds, in WindowCounts hour)
    {
        if (_origin == long.MinValue)
        {
            _origin = seconds;
        }

        // Out-of-order completions count at the latest time seen: time never goes back.
        _latest = Math.Max(_latest, seconds);
        double weight = Math.Pow(2, (_latest - _origin) / 3600.0 / _halfLifeHours);
        if (weight > 1e100)
        {
            double factor = 1 / weight;
            for (int i = 0; i < _weights.Length; i++)
            {
                _weights[i] *= factor;
            }

            _total *= factor;
            _origin = _latest;
            weight = 1;
        }

        _weights[Bin(hour.Messages)] += weight;
        _weights[Bins + Bin(hour.Recipients)] += weight;
        _weights[(2 * Bins) + Bin(hour.NewDomainMessages)] += weight;
        _total += weight;
        _dirty = true;
    }

    /// <summary>The peers' 95th percentile of messages (0), recipients (1) or new-domain messages (2) per active hour; 0 before any hour.</summary>
    public double Quantile(int measure)
    {
        if (_dirty)
        {
            for (int m = 0; m < Measures; m++)
            {
                _quantiles[m] = Compute(m);
            }

            _dirty = false;
        }

        return _quantiles[measure];
    }

    private double Compute(int measure)
    {
        if (_total <= 0)
        {
            return 0;
        }

        double target = _total * Percentile;
        double running = 0;
        for (int b = 0; b < Bins; b++)
        {
            running += _weights[(measure * Bins) + b];
            if (running >= target)
            {
                // The smallest whole count of the bin: bin b >= 1 holds [2^((b-1)/4), 2^(b/4)).
                return b == 0 ? 0 : Math.Ceiling(Math.Pow(2, (b - 1) / (double)StepsPerDoubling) - 1e-9);
            }
        }

        return Math.Ceiling(Math.Pow(2, (Bins - 2) / (double)StepsPerDoubling));
    }

    private double Scale(long seconds) => Math.Pow(2, -(seconds - _origin) / 3600.0 / _halfLifeHours);

    private static int Bin(int count) => count <= 0 ? 0 : Math.Min(Bins - 1, 1 + (int)(StepsPerDoubling * Math.Log2(count)));
}
