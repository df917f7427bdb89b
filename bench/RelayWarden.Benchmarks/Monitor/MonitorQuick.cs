using System.Diagnostics;
using RelayWarden.Core.Monitor;

namespace RelayWarden.Benchmarks.Monitor;

/// <summary>
/// <c>dotnet run -c Release -- monitor-quick</c>: a Stopwatch run of the <see cref="MonitorBenchmarks"/>
/// workload (no BenchmarkDotNet), with and without rules, for a fast look on a busy machine.
/// </summary>
public static class MonitorQuick
{
    public static void Run(TextWriter output)
    {
        foreach (bool allKeys in new[] { false, true })
        {
            var bench = new MonitorBenchmarks { AllKeys = allKeys };
            bench.Setup();
            foreach (var (name, options) in new[] { ("no rules", new MonitorOptions { Rules = [] }), ("default rules", MonitorOptions.Default) })
            {
                double best = double.MaxValue;
                for (int round = 0; round < 7; round++)
                {
                    bench.Warm(options);
                    long start = Stopwatch.GetTimestamp();
                    bench.ObserveRecipients();
                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
                }

                output.WriteLine($"all keys {allKeys,-5} {name,-13}: {bench.RecipientCount / best,12:N0} recipient observations/s (best of 7)");
            }
        }

        // State per active account: two hours of the workload, account keys only, evidence ring excluded.
        var sized = new MonitorBenchmarks { AllKeys = false };
        sized.Setup();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var store = sized.WarmAndMeasure(new MonitorOptions { EvidenceMessages = 16 });
        long after = GC.GetTotalMemory(forceFullCollection: true);
        int accounts = store.Count(RelayWarden.Core.Monitor.MonitorKeyKind.Account);
        output.WriteLine($"state: {(after - before) / (double)accounts:N0} bytes per active account ({accounts:N0} accounts, dictionary entries and keys included)");
        GC.KeepAlive(store);
    }
}
