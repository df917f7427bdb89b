using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Monitor.Evaluation;
using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden evaluate</c>: replays the real benign data sets through the behavior monitor in event
/// time, injects the seeded compromise scenarios, and prints false alerts per million benign messages
/// and per-scenario recall, time-to-detect and messages sent before enforcement (Markdown tables).
/// Deterministic for a given seed. Exit 0 when it ran; 2 on a bad invocation or unreadable data.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(CliIo io)
    {
        var data = new Option<string>("--data") { Description = "The folder holding email-eu-core-temporal/ and enron-perry-wolfe/.", DefaultValueFactory = _ => "/work/shared/data" };
        var dataset = new Option<string[]>("--dataset") { Description = "eu-core, enron (repeat; default both).", Arity = ArgumentArity.ZeroOrMore };
        var mapping = new Option<string[]>("--mapping") { Description = "worst-case, realistic (repeat; default both).", Arity = ArgumentArity.ZeroOrMore };
        var instances = new Option<int>("--instances") { Description = "Injected instances per scenario.", DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { Description = "Seed of the scenario generator.", DefaultValueFactory = _ => 20251122 };
        var config = new Option<string?>("--config") { Description = "A configuration whose monitor: section replaces the default rules." };
        var verbose = new Option<bool>("--verbose") { Description = "List every false alert rule and missed instance." };
        var optional = new Option<bool>("--with-optional") { Description = "Also run the shipped opt-in rules (monitor.messages.baseline)." };

        var command = new Command("evaluate", "Replay real traffic with injected compromises through the behavior monitor and report detection quality.")
        {
            data, dataset, mapping, instances, seed, config, verbose, optional,
        };

        command.SetAction(parse =>
        {
            var options = MonitorOptions.Default;
            if (parse.GetValue(config) is { } path)
            {
                try
                {
                    options = ConfigLoader.LoadFile(path).Monitor;
                }
                catch (Exception exception) when (exception is ConfigException or IOException or UnauthorizedAccessException)
                {
                    io.Error.WriteLine($"relaywarden evaluate: bad configuration: {exception.Message}");
                    return Program.UsageError;
                }
            }

            if (parse.GetValue(optional))
            {
                options = options with { Rules = [.. options.Rules, .. DefaultMonitorRules.Optional.Where(o => options.Rules.All(r => r.Id != o.Id))] };
            }

            string[] sets = parse.GetValue(dataset) is { Length: > 0 } chosen ? chosen : Datasets.Names;
            var maps = new List<DomainMapping>();
            foreach (string name in parse.GetValue(mapping) is { Length: > 0 } m ? m : ["worst-case", "realistic"])
            {
                if (name is not ("worst-case" or "realistic"))
                {
                    io.Error.WriteLine($"relaywarden evaluate: --mapping '{name}' is not worst-case or realistic");
                    return Program.UsageError;
                }

                maps.Add(name == "worst-case" ? DomainMapping.WorstCase : DomainMapping.Realistic);
            }

            foreach (string set in sets)
            {
                if (Array.IndexOf(Datasets.Names, set) < 0)
                {
                    io.Error.WriteLine($"relaywarden evaluate: --dataset '{set}' is not one of {string.Join(", ", Datasets.Names)}");
                    return Program.UsageError;
                }

                List<DatasetMessage> benign;
                try
                {
                    benign = Datasets.Load(parse.GetValue(data)!, set);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
                {
                    io.Error.WriteLine($"relaywarden evaluate: cannot read data set '{set}': {exception.Message}");
                    return Program.UsageError;
                }

                foreach (var map in maps)
                {
                    Report(io.Out, set, map, benign, options, parse.GetValue(instances), parse.GetValue(seed), parse.GetValue(verbose));
                }
            }

            return 0;
        });

        return command;
    }

    private static void Report(TextWriter output, string set, DomainMapping mapping, List<DatasetMessage> benign, MonitorOptions options, int instances, int seed, bool verbose)
    {
        var clock = Stopwatch.StartNew();
        var baseline = EvaluationHarness.Run(benign, mapping, set, [], [], options);
        double seconds = clock.Elapsed.TotalSeconds;
        string mapName = mapping == DomainMapping.WorstCase ? "worst-case" : "realistic";
        output.WriteLine(Invariant($"## {set}, {mapName} domain mapping"));
        output.WriteLine();
        output.WriteLine(Invariant($"Benign: {baseline.BenignMessages:N0} messages, {baseline.BenignRecipients:N0} recipients; false alerts {baseline.FalseAlerts} = {baseline.FalseAlertsPerMillion:0.00} per million messages; benign messages held/deferred/rejected {baseline.BenignEnforced}; replay {baseline.BenignRecipients / seconds:N0} recipients/s."));
        foreach (var (rule, count) in baseline.FalseAlertsByRule.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine(Invariant($"- false alerts of {rule}: {count}"));
        }

        output.WriteLine();
        output.WriteLine("| scenario | instances | detected | within 1 h | median TTD (s) | max TTD (s) | median msgs before alert | enforced | median msgs before enforcement | max msgs before enforcement | first rule |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var kind in Enum.GetValues<ScenarioKind>())
        {
            var (messages, injected) = ScenarioGenerator.Generate(benign, kind, instances, seed + (int)kind, mapping);
            var result = EvaluationHarness.Run(benign, mapping, set, messages, injected, options);
            var summary = ScenarioSummary.Of(kind, result.Instances);
            string rules = string.Join(", ", summary.FirstRules.OrderByDescending(p => p.Value).Select(p => Invariant($"{p.Key} ({p.Value})")));
            output.WriteLine(Invariant($"| {Label(kind)} | {summary.Instances} | {summary.Detected} ({summary.Recall:P0}) | {summary.DetectedWithinHour} | {Num(summary.MedianTtd)} | {Num(summary.MaxTtd)} | {summary.MedianSentBeforeAlert:0} | {summary.Enforced} | {summary.MedianSentBeforeEnforcement:0} | {summary.MaxSentBeforeEnforcement} | {rules} |"));
            if (verbose)
            {
                foreach (var miss in result.Instances.Where(o => !o.Detected))
                {
                    output.WriteLine(Invariant($"|   missed {miss.Instance.Account} rate {miss.Instance.Rate:0.0}/h, {miss.Instance.Messages} msgs | | | | | | | | | | |"));
                }
            }
        }

        output.WriteLine();
    }

    private static string Label(ScenarioKind kind) => kind switch
    {
        ScenarioKind.BulkMalspam => "(a) bulk malspam",
        ScenarioKind.TrialBlast => "(b) trial blast",
        ScenarioKind.ModerateSpam => "(c) moderate spam",
        ScenarioKind.LowAndSlow => "(d) low and slow",
        _ => "(e) thread hijack",
    };

    private static string Num(double? value) => value is null ? "-" : value.Value.ToString("0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
