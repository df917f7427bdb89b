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
    }
}
