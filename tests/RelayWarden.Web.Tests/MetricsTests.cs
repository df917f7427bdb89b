using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests;

/// <summary><c>/metrics</c>: anonymous, valid Prometheus text, and counters that move with real SMTP traffic.</summary>
public sealed partial class MetricsTests : IClassFixture<AlertsFixture>
{
    private readonly TestConsole _console;

    public MetricsTests(AlertsFixture fixture) => _console = fixture.Console;

    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})? ([-+]?(?:[0-9.eE+-]+|Inf|NaN))$")]
    private static partial Regex SamplePattern();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPattern();

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    /// <summary>Scrapes and parses; fails on any line that is not a comment, a TYPE/HELP line or a sample of a declared family.</summary>
    private async Task<List<Sample>> ScrapeAsync()
    {
        using var client = _console.Client();
        var reply = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("text/plain", reply.Content.Headers.ContentType!.MediaType);
        Assert.Contains("version=0.0.4", reply.Content.Headers.ContentType.ToString(), StringComparison.Ordinal);
        string text = await reply.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], (string[])["counter", "gauge", "histogram"]);
                Assert.True(types.TryAdd(parts[2], parts[3]), $"two TYPE lines for {parts[2]}");
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }

            var match = SamplePattern().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            string name = match.Groups[1].Value;
            string family = types.ContainsKey(name) ? name : Regex.Replace(name, "_(bucket|sum|count)$", string.Empty);
            Assert.True(types.ContainsKey(family), $"no TYPE line before {line}");
            var labels = LabelPattern().Matches(match.Groups[2].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            string value = match.Groups[3].Value;
            samples.Add(new Sample(name, labels, value == "+Inf" ? double.PositiveInfinity : double.Parse(value, CultureInfo.InvariantCulture)));
        }

        // Histograms: cumulative buckets that never decrease, +Inf equal to _count.
        foreach (var (family, _) in types.Where(t => t.Value == "histogram"))
        {
            foreach (var series in samples.Where(s => s.Name == family + "_bucket").GroupBy(s => string.Join(',', s.Labels.Where(l => l.Key != "le").Select(l => $"{l.Key}={l.Value}"))))
            {
                var buckets = series.ToList();
                for (int i = 1; i < buckets.Count; i++)
                {
                    Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{family} buckets decrease");
                }

                Assert.Equal("+Inf", buckets[^1].Labels["le"]);
                var count = samples.Single(s => s.Name == family + "_count" && s.Labels.Count == buckets[^1].Labels.Count - 1);
                Assert.Equal(count.Value, buckets[^1].Value);
            }
        }

        return samples;
    }

    private static double Value(List<Sample> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Sum(s => s.Value);

    [Fact]
    public async Task Metrics_is_anonymous_prometheus_text_and_counts_real_smtp_traffic()
    {
        var before = await ScrapeAsync();
        var local = AlertsFixture.Local(20);
        await TestMail.SendAsync(_console.Relay.Endpoint, "news@globex.example", 3, local: local);
        Assert.True(await TestRelay.EventuallyAsync(() => _console.Relay.Host.Triage.Alerts(null, "globex/127.0.0.20", 1).Count > 0, TimeSpan.FromSeconds(10)));
        Assert.True(await TestRelay.EventuallyAsync(() => _console.Relay.Host.Spool.List().Count == 0, TimeSpan.FromSeconds(10)));
        var after = await ScrapeAsync();

        (string, string) smtpData = ("stage", "smtp.data");
        Assert.True(Value(after, "relaywarden_decisions_total", ("door", "smtp"), smtpData, ("action", "relay")) >= Value(before, "relaywarden_decisions_total", ("door", "smtp"), smtpData, ("action", "relay")) + 2);
        Assert.True(Value(after, "relaywarden_decisions_total", ("door", "smtp"), smtpData, ("action", "hold")) >= Value(before, "relaywarden_decisions_total", ("door", "smtp"), smtpData, ("action", "hold")) + 1);
        Assert.True(Value(after, "relaywarden_decision_rules_total", ("rule", AlertsFixture.Rule), ("action", "hold")) >= Value(before, "relaywarden_decision_rules_total", ("rule", AlertsFixture.Rule), ("action", "hold")) + 1);
        Assert.True(Value(after, "relaywarden_alerts_total", ("rule", AlertsFixture.Rule), ("severity", "high")) >= Value(before, "relaywarden_alerts_total", ("rule", AlertsFixture.Rule), ("severity", "high")) + 1);
        Assert.True(Value(after, "relaywarden_smtp_data_seconds_count") >= Value(before, "relaywarden_smtp_data_seconds_count") + 3);
        Assert.True(Value(after, "relaywarden_smtp_data_seconds_sum") > Value(before, "relaywarden_smtp_data_seconds_sum"));
        Assert.True(Value(after, "relaywarden_deliveries_total", ("status", "delivered")) >= Value(before, "relaywarden_deliveries_total", ("status", "delivered")) + 2);
        Assert.True(Value(after, "relaywarden_delivery_attempt_seconds_count") >= Value(before, "relaywarden_delivery_attempt_seconds_count") + 2);

        // Gauges are this relay's own: the fixture's bot has three held messages, this test's account one more.
        Assert.Equal(_console.Relay.Host.Spool.List(held: true).Count, Value(after, "relaywarden_queue_messages", ("state", "held")));
        Assert.True(Value(after, "relaywarden_queue_messages", ("state", "held")) >= 4);
        Assert.Equal(_console.Relay.Host.Triage.OpenCount(), Value(after, "relaywarden_alerts_open"));
        Assert.Contains(after, s => s.Name == "relaywarden_records_queued");
        Assert.InRange(Value(after, "relaywarden_records_queued"), 0, 65_536); // within the writer's bounded queue
        Assert.Contains(after, s => s.Name == "relaywarden_smtp_data_seconds_bucket" && s.Labels["le"] == "0.001");
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        Assert.Equal("a\\\\b\\\"c\\nd", Metrics.MetricsCollector.Escape("a\\b\"c\nd"));
        Assert.Equal("+Inf", Metrics.MetricsCollector.Number(double.PositiveInfinity));
        Assert.Equal("0.25", Metrics.MetricsCollector.Number(0.25));
    }
}

/// <summary>The hot path: recording a decision, a rule and a latency allocates nothing once the series exist.</summary>
public sealed class MetricsAllocationTests
{
    [Fact]
    public void Recording_allocates_nothing_per_message()
    {
        using var collector = new Metrics.MetricsCollector();
        Core.Policy.Reason[] reasons = [new("monitor.test.alloc", Core.Policy.ReasonOutcome.Fail, "x", Core.Policy.Evidence.None)];
        void Once()
        {
            Core.Records.RelayMeters.Decision("smtp", "smtp.data", Core.Policy.VerdictAction.Hold, reasons);
            Core.Records.RelayMeters.SmtpDataSeconds.Record(0.002);
            Core.Records.RelayMeters.Deliveries.Add(1, new KeyValuePair<string, object?>("status", "delivered"));
        }

        // The meters are process-wide: a collector that another test class creates meanwhile (its
        // listener runs on this thread) makes its own series on its first callback, once. So a batch
        // is measured up to three times; an allocation per message (10,000 × ≥ 24 B) fails them all.
        Once();
        var batches = new List<long>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                Once();
            }

            batches.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (batches[^1] < 1024)
            {
                break;
            }
        }

        Assert.True(batches[^1] < 1024, $"bytes for 10,000 messages, per batch: {string.Join(", ", batches)}");
        Assert.True(collector.Total("relaywarden_decision_rules_total", ("rule", "monitor.test.alloc")) >= 10_001);
    }
}
