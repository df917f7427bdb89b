using BenchmarkDotNet.Running;

namespace RelayWarden.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["monitor-quick"])
        {
            Monitor.MonitorQuick.Run(Console.Out);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
