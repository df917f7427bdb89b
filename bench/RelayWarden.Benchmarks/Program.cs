using BenchmarkDotNet.Running;

namespace RelayWarden.Benchmarks;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "policy-load")
        {
            return await Protocol.PolicyLoad.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "milter-load")
        {
            return await Protocol.MilterLoad.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "smtp-load")
        {
            return Protocol.SmtpLoad.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "door-cost")
        {
            return await Protocol.DoorCost.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "records-quick")
        {
            return await Records.RecordsQuick.RunAsync(args[1..], Console.Out);
        }

        if (args is ["monitor-quick"])
        {
            Monitor.MonitorQuick.Run(Console.Out);
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
