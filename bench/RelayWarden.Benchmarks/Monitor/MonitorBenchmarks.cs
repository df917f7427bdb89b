using BenchmarkDotNet.Attributes;
using RelayWarden.Core.Monitor;

namespace RelayWarden.Benchmarks.Monitor;

/// <summary>
/// Cost of <see cref="BehaviorMonitor.Observe"/> with the default rules, per recipient observation:
/// 10,000 active accounts, one hour of traffic already counted, then the next hour measured
/// (each account 6 messages of 1-5 recipients, 70% to its usual domains, 30% to new ones).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 8, invocationCount: 1)]
public class MonitorBenchmarks
{
    private const int Accounts = 10_000;
    private Observation[] _warm = [];
    private Observation[] _measured = [];
    private BehaviorMonitor _monitor = null!;

    /// <summary>Whether every key (account, tenant, client IP, sender) is counted, or the account only.</summary>
    [Params(false, true)]
    public bool AllKeys { get; set; }

    public int RecipientCount { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var start = new DateTimeOffset(2025, 4, 21, 8, 0, 0, TimeSpan.Zero);
        _warm = Hour(start, new Random(1));
        _measured = Hour(start.AddHours(1), new Random(2));
        RecipientCount = _measured.Sum(o => o.Recipients.Count);
        Console.WriteLine($"// measured hour: {_measured.Length} messages, {RecipientCount} recipients");
    }

    [IterationSetup]
    public void Warm() => Warm(MonitorOptions.Default);

    public void Warm(MonitorOptions options)
    {
        _monitor = new BehaviorMonitor(options, new InMemoryMonitorStore(), TimeProvider.System);
        foreach (var observation in _warm)
        {
            _monitor.Observe(observation);
        }
    }

    /// <summary>Counts both hours into a fresh store and returns it (for the state-size measurement).</summary>
    public IMonitorStore WarmAndMeasure(MonitorOptions options)
    {
        Warm(options);
        ObserveRecipients();
        return _monitor.Store;
    }

    /// <summary>One hour of traffic; BenchmarkDotNet divides by the recipients (about 180,000).</summary>
    [Benchmark(OperationsPerInvoke = 180_000)]
    public int ObserveRecipients()
    {
        int enforced = 0;
        foreach (var observation in _measured)
        {
            if (_monitor.Observe(observation).Enforces)
            {
                enforced++;
            }
        }

        return enforced;
    }

    private Observation[] Hour(DateTimeOffset start, Random random)
    {
        var list = new List<Observation>(Accounts * 6);
        for (int m = 0; m < 6; m++)
        {
            for (int a = 0; a < Accounts; a++)
            {
                int n = 1 + random.Next(5);
                var recipients = new string[n];
                for (int r = 0; r < n; r++)
                {
                    recipients[r] = random.NextDouble() < 0.7
                        ? $"c{random.Next(20)}@usual{(a * 31 + random.Next(20)) % 50_000}.example"
                        : $"n{random.Next(1000)}@new{random.Next(5_000_000)}.example";
                }

                list.Add(new Observation
                {
                    Time = start.AddSeconds((m * 600) + random.Next(600)),
                    Account = $"user{a}@tenant{a % 500}.example",
                    Tenant = AllKeys ? $"tenant{a % 500}" : null,
                    ClientIp = AllKeys ? $"198.51.{a % 200}.{a % 250}" : null,
                    EnvelopeSender = AllKeys ? $"user{a}@tenant{a % 500}.example" : null,
                    Recipients = recipients,
                    MessageId = $"<{a}.{m}@tenant.example>",
                });
            }
        }

        list.Sort((x, y) => x.Time.CompareTo(y.Time));
        return [.. list];
    }
}
