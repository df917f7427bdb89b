using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using RelayWarden.Core.Records;

namespace RelayWarden.Web.Metrics;

/// <summary>
/// Listens to the relay's instruments (<see cref="RelayMeters"/>) and keeps their totals per label set:
/// counters as sums, histograms as cumulative Prometheus buckets with sum and count. A measurement
/// costs one dictionary lookup on a struct key (no allocation once the series exists). Renders the
/// Prometheus text exposition format (version 0.0.4).
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<SeriesKey, Series> _series = new();
    private readonly double[] _bounds = [.. RelayMeters.LatencyBuckets];

    public MetricsCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RelayMeters.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = new SeriesKey(instrument,
            tags.Length > 0 ? tags[0].Value as string : null,
            tags.Length > 1 ? tags[1].Value as string : null,
            tags.Length > 2 ? tags[2].Value as string : null);
        if (!_series.TryGetValue(key, out var series))
        {
            string[] names = new string[Math.Min(tags.Length, 3)];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = tags[i].Key;
            }

            series = _series.GetOrAdd(key, new Series(names, instrument is Histogram<double> ? _bounds.Length : 0));
        }

        series.Add(value, _bounds);
    }

    /// <summary>The sum of a counter over the series whose labels match (null: any), for tests and the dashboard.</summary>
    public double Total(string instrument, params (string Label, string Value)[] labels)
    {
        double total = 0;
        foreach (var (key, series) in _series)
        {
            if (key.Instrument.Name == instrument && Matches(key, series, labels))
            {
                total += series.Sum;
            }
        }

        return total;
    }

    private static bool Matches(SeriesKey key, Series series, (string Label, string Value)[] labels)
    {
        foreach (var (label, value) in labels)
        {
            int index = Array.IndexOf(series.Names, label);
            string? actual = index switch { 0 => key.V0, 1 => key.V1, 2 => key.V2, _ => null };
            if (actual != value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes every series, grouped by instrument, then <paramref name="gauges"/> (name, help, labels, value).</summary>
    public string Render(IEnumerable<Gauge> gauges)
    {
        var text = new StringBuilder(4096);
        foreach (var group in _series.GroupBy(s => s.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var instrument = group.Key;
            bool histogram = instrument is Histogram<double>;
            text.Append("# HELP ").Append(instrument.Name).Append(' ').Append(Help(instrument.Description)).Append('\n');
            text.Append("# TYPE ").Append(instrument.Name).Append(histogram ? " histogram\n" : " counter\n");
            foreach (var (key, series) in group.OrderBy(s => s.Key.V0, StringComparer.Ordinal).ThenBy(s => s.Key.V1, StringComparer.Ordinal).ThenBy(s => s.Key.V2, StringComparer.Ordinal))
            {
                string labels = Labels(series.Names, key);
                if (!histogram)
                {
                    text.Append(instrument.Name).Append(labels.Length == 0 ? string.Empty : "{" + labels + "}").Append(' ').Append(Number(series.Sum)).Append('\n');
                    continue;
                }

                var (buckets, count, sum) = series.Snapshot();
                long cumulative = 0;
                for (int i = 0; i < _bounds.Length; i++)
                {
                    cumulative += buckets[i];
                    Bucket(text, instrument.Name, labels, Number(_bounds[i]), cumulative);
                }

                Bucket(text, instrument.Name, labels, "+Inf", count);
                text.Append(instrument.Name).Append("_sum").Append(labels.Length == 0 ? string.Empty : "{" + labels + "}").Append(' ').Append(Number(sum)).Append('\n');
                text.Append(instrument.Name).Append("_count").Append(labels.Length == 0 ? string.Empty : "{" + labels + "}").Append(' ').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        foreach (var family in gauges.GroupBy(g => g.Name))
        {
            text.Append("# HELP ").Append(family.Key).Append(' ').Append(Help(family.First().Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Key).Append(" gauge\n");
            foreach (var gauge in family)
            {
                string labels = string.Join(',', gauge.Labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\""));
                text.Append(family.Key).Append(labels.Length == 0 ? string.Empty : "{" + labels + "}").Append(' ').Append(Number(gauge.Value)).Append('\n');
            }
        }

        return text.ToString();
    }

    private static void Bucket(StringBuilder text, string name, string labels, string le, long value) =>
        text.Append(name).Append("_bucket{").Append(labels).Append(labels.Length == 0 ? string.Empty : ",").Append("le=\"").Append(le).Append("\"} ")
            .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static string Labels(string[] names, SeriesKey key)
    {
        var parts = new List<string>(3);
        for (int i = 0; i < names.Length; i++)
        {
            string? value = i switch { 0 => key.V0, 1 => key.V1, _ => key.V2 };
            parts.Add($"{names[i]}=\"{Escape(value ?? string.Empty)}\"");
        }

        return string.Join(',', parts);
    }

    /// <summary>A label value as the exposition format wants it: backslash, double quote and newline escaped.</summary>
    internal static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Help(string? help) => (help ?? string.Empty).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _listener.Dispose();

    private readonly record struct SeriesKey(Instrument Instrument, string? V0, string? V1, string? V2);

    /// <summary>One labelled series: a running sum (counters) or buckets, count and sum (histograms).</summary>
    private sealed class Series
    {
        private readonly Lock _gate = new();
        private readonly long[] _buckets;
        private long _count;
        private double _sum;

        public Series(string[] names, int buckets)
        {
            Names = names;
            _buckets = new long[buckets];
        }

        public string[] Names { get; }

        public double Sum
        {
            get
            {
                lock (_gate)
                {
                    return _sum;
                }
            }
        }

        public void Add(double value, double[] bounds)
        {
            lock (_gate)
            {
                _sum += value;
                _count++;
                if (_buckets.Length == 0)
                {
                    return;
                }

                for (int i = 0; i < bounds.Length; i++)
                {
                    if (value <= bounds[i])
                    {
                        _buckets[i]++;
                        return;
                    }
                }
            }
        }

        public (long[] Buckets, long Count, double Sum) Snapshot()
        {
            lock (_gate)
            {
                return ((long[])_buckets.Clone(), _count, _sum);
            }
        }
    }
}

/// <summary>A value read at scrape time (queue sizes, open alerts).</summary>
internal sealed record Gauge(string Name, string Help, IReadOnlyList<(string Name, string Value)> Labels, double Value);
