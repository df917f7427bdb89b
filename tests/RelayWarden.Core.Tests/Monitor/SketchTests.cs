using RelayWarden.Core.Monitor;

namespace RelayWarden.Core.Tests.Monitor;

public class SketchTests
{
    [Theory]
    [InlineData(100)]
    [InlineData(1_000)]
    [InlineData(20_000)]
    public void HyperLogLog_estimate_is_within_three_standard_errors(int distinct)
    {
        const int precision = 10;
        var registers = new byte[1 << precision];
        for (int i = 0; i < distinct; i++)
        {
            HyperLogLog.Add(registers, precision, MonitorHash.Of($"r{i}@d{i}.example"));
            HyperLogLog.Add(registers, precision, MonitorHash.Of($"r{i}@d{i}.example"));
        }

        double error = Math.Abs(HyperLogLog.Estimate(registers) - distinct) / distinct;
        Assert.True(error <= 3 * HyperLogLog.StandardError(precision), $"relative error {error:P1}");
    }

    [Fact]
    public void Sliding_distinct_is_exact_while_small()
    {
        var distinct = new SlidingDistinct(32);
        for (int i = 0; i < 20; i++)
        {
            distinct.Add(MonitorHash.Of($"d{i % 10}.example"), 1000 + i);
        }

        Assert.False(distinct.IsSketch);
        Assert.Equal(10, distinct.Count(1020, 3600));
        Assert.Equal(0, distinct.Count(1020 + 4000, 3600));
    }

    [Fact]
    public void Sliding_distinct_upgrades_to_a_sketch_within_its_bound()
    {
        var distinct = new SlidingDistinct(32);
        for (int i = 0; i < 2000; i++)
        {
            distinct.Add(MonitorHash.Of($"d{i}.example"), 10_000 + i);
        }

        Assert.True(distinct.IsSketch);
        double estimate = distinct.Count(12_000, 3600);
        double error = Math.Abs(estimate - 2000) / 2000;
        Assert.True(error <= 3 * HyperLogLog.StandardError(SlidingDistinct.Precision), $"estimate {estimate}");
    }

    [Fact]
    public void Sliding_distinct_sketch_forgets_old_buckets()
    {
        var distinct = new SlidingDistinct(8);
        for (int i = 0; i < 500; i++)
        {
            distinct.Add(MonitorHash.Of($"old{i}.example"), 0 + i);
        }

        for (int i = 0; i < 50; i++)
        {
            distinct.Add(MonitorHash.Of($"new{i}.example"), 3000 + i);
        }

        // The 10-minute window sees only the recent 50, give or take the sketch's error.
        Assert.InRange(distinct.Count(3050, 600), 35, 65);
    }

    [Fact]
    public void Known_domains_recognize_what_was_added()
    {
        var known = new KnownDomains();
        int added = Enumerable.Range(0, 200).Count(i => known.Add(MonitorHash.Of($"d{i}.example")));
        Assert.InRange(added, 190, 200);
        Assert.Equal(added, known.Count);

        for (int i = 0; i < 200; i++)
        {
            Assert.True(known.Contains(MonitorHash.Of($"d{i}.example")));
            Assert.False(known.Add(MonitorHash.Of($"d{i}.example")));
        }

        int falsePositives = Enumerable.Range(0, 1000).Count(i => known.Contains(MonitorHash.Of($"other{i}.example")));
        Assert.True(falsePositives < 50, $"{falsePositives} false positives");
    }

    [Fact]
    public void Hash_is_deterministic_and_case_insensitive_for_ascii()
    {
        Assert.Equal(MonitorHash.Of("Example.COM"), MonitorHash.Of("example.com"));
        Assert.NotEqual(MonitorHash.Of("example.com"), MonitorHash.Of("example.org"));
        Assert.Equal("example.com", MonitorHash.DomainOf("a@b@example.com").ToString());
    }
}
