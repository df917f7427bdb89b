using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using RelayWarden.Core.Monitor;
using RelayWarden.LogHunt.Hunting;
using RelayWarden.LogHunt.Parsing;
using RelayWarden.LogHunt.Reading;
using Spectre.Console;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden hunt FILE...</c>: replays Postfix/Exim logs through the behavior monitor's rules in log time and
/// ranks the suspicious accounts (table), or prints one JSON object per alert (<c>--json</c>), writes an HTML report
/// (<c>--html</c>), or follows a live log (<c>--follow</c>). Exit 0 when it ran (alerts or not); 2 on bad usage.
/// </summary>
internal static class HuntCommand
{
    private const long ProgressThresholdBytes = 32L << 20;

    public static Command Create(CliIo io)
    {
        var logs = new LogOptions();
        var json = new Option<bool>("--json") { Description = "One JSON object per alert per line (account, detected_at, rule, evidence, ...)." };
        var html = new Option<string?>("--html") { Description = "Also write a self-contained HTML report (charts and evidence) to this file." };
        var follow = new Option<bool>("--follow") { Description = "Keep reading the (single) log as it grows, printing alerts as they fire; Ctrl-C ends." };
        var config = new Option<string?>("--config") { Description = "A configuration whose monitor: section replaces the shipped rules." };
        var unauthenticated = new Option<bool>("--include-unauthenticated") { Description = "Also replay mail without a SASL login, keyed ip:ADDRESS." };
        var top = new Option<int>("--top") { Description = "Rows of the table.", DefaultValueFactory = _ => 50 };
        var progress = new Option<bool>("--no-progress") { Description = "No progress bar even on a terminal." };

        var command = new Command("hunt", "Find compromised accounts in Postfix/Exim mail logs with the behavior monitor's rules.")
        {
            json, html, follow, config, unauthenticated, top, progress,
        };
        logs.AddTo(command);

        command.SetAction(parse =>
        {
            if (parse.GetValue(logs.Files) is [var only] && RecordsHunt.IsRecordsFile(only))
            {
                return FromRecords(io, parse, only, config, json, html, follow, top);
            }

            if (logs.TryBind(parse, io, "hunt") is not var (inputs, replay))
            {
                return Program.UsageError;
            }

            replay = replay with { Limits = replay.Limits with { DeliveryDetails = false } };
            var monitor = MonitorOptions.Default;
            if (parse.GetValue(config) is { } path)
            {
                if (ConfigFile.TryLoad(io, "hunt", path) is not { } loaded)
                {
                    return Program.UsageError;
                }

                monitor = loaded.Monitor;
            }

            var options = new HuntOptions { Monitor = monitor, IncludeUnauthenticated = parse.GetValue(unauthenticated) };
            bool asJson = parse.GetValue(json);
            if (parse.GetValue(follow))
            {
                if (inputs.Count != 1 || inputs[0].IsStdin || parse.GetValue(html) is not null)
                {
                    io.Error.WriteLine("relaywarden hunt: --follow takes exactly one log file (and no --html)");
                    return Program.UsageError;
                }

                return Follow(io, inputs[0].Path, replay, options, asJson);
            }

            // A replay is a batch job: a blocking GC costs less in total than background GCs racing the reader.
            var latency = System.Runtime.GCSettings.LatencyMode;
            System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Batch;
            var clock = Stopwatch.StartNew();
            var hunter = new LogHunter(options, asJson ? alert => io.Out.WriteLine(HuntJson.Line(alert)) : null);
            LogStatistics statistics;
            try
            {
                long total = inputs.Sum(i => i.Length);
                bool bar = !asJson && !parse.GetValue(progress) && ReferenceEquals(io.Out, Console.Out) && !Console.IsOutputRedirected && total >= ProgressThresholdBytes;
                statistics = bar ? WithProgress(inputs, replay, hunter, io, total) : replay.Run(inputs, hunter, io.OpenStdin);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                io.Error.WriteLine($"relaywarden hunt: cannot read the log: {exception.Message}");
                return Program.UsageError;
            }
            finally
            {
                System.Runtime.GCSettings.LatencyMode = latency;
            }

            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
            string summary = Summary(statistics, hunter, seconds);
            if (asJson)
            {
                io.Error.WriteLine($"relaywarden hunt: {summary}");
            }
            else
            {
                HuntTable.Write(io.Out, hunter, parse.GetValue(top));
                io.Out.WriteLine(summary);
            }

            if (parse.GetValue(html) is { } report)
            {
                try
                {
                    HuntHtml.Write(report, hunter, inputs, replay, io.OpenStdin, statistics);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    io.Error.WriteLine($"relaywarden hunt: cannot write '{report}': {exception.Message}");
                    return Program.UsageError;
                }
            }

            return 0;
        });

        return command;
    }

    /// <summary>The relay's decision records instead of a log (<see cref="RecordsHunt"/>): every account is keyed as the relay keyed it.</summary>
    private static int FromRecords(CliIo io, ParseResult parse, string path, Option<string?> config, Option<bool> json, Option<string?> html, Option<bool> follow, Option<int> top)
    {
        if (parse.GetValue(follow) || parse.GetValue(html) is not null)
        {
            io.Error.WriteLine("relaywarden hunt: --follow and --html read mail logs; a decision store is hunted as a whole (--json or the table)");
            return Program.UsageError;
        }

        var monitor = MonitorOptions.Default;
        if (parse.GetValue(config) is { } configPath)
        {
            if (ConfigFile.TryLoad(io, "hunt", configPath) is not { } loaded)
            {
                return Program.UsageError;
            }

            monitor = loaded.Monitor;
        }

        bool asJson = parse.GetValue(json);
        var hunter = new LogHunter(new HuntOptions { Monitor = monitor }, asJson ? alert => io.Out.WriteLine(HuntJson.Line(alert)) : null);
        var clock = Stopwatch.StartNew();
        LogStatistics statistics;
        try
        {
            statistics = Task.Run(async () =>
            {
                await using var store = Storage.Sqlite.SqliteDecisionStore.Open(path);
                return await RecordsHunt.RunAsync(store, hunter, CancellationToken.None).ConfigureAwait(false);
            }).GetAwaiter().GetResult();
        }
        catch (Exception exception) when (exception is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            io.Error.WriteLine($"relaywarden hunt: cannot read the decision records '{path}': {exception.Message}");
            return Program.UsageError;
        }

        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{statistics.Lines:N0} decision records ({statistics.Lines / seconds:N0} records/s), {statistics.Messages:N0} accepted messages ({hunter.Observed:N0} observed), {statistics.Rejects:N0} refusals, {hunter.Alerts.Count} alerts on {hunter.Alerts.Select(a => a.Account).Distinct().Count()} accounts");
        if (asJson)
        {
            io.Error.WriteLine($"relaywarden hunt: {summary}");
        }
        else
        {
            HuntTable.Write(io.Out, hunter, parse.GetValue(top));
            io.Out.WriteLine(summary);
        }

        return 0;
    }

    internal static string Summary(LogStatistics s, LogHunter hunter, double seconds) => string.Create(CultureInfo.InvariantCulture,
        $"{s.Lines:N0} lines ({s.Lines / seconds:N0} lines/s), {s.Garbled:N0} garbled, {s.Unjoinable:N0} unjoinable, {s.Messages:N0} messages ({hunter.Observed:N0} authenticated), {s.Rejects:N0} SMTP rejects, {s.Evicted:N0} evicted incomplete, {hunter.Alerts.Count} alerts on {hunter.Alerts.Select(a => a.Account).Distinct().Count()} accounts");

    private static LogStatistics WithProgress(IReadOnlyList<LogInput> inputs, LogReplay replay, LogHunter hunter, CliIo io, long total)
    {
        LogStatistics? statistics = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("reading", maxValue: total);
                long read = 0;
                long lastUpdate = 0;
                var clock = Stopwatch.StartNew();
                statistics = replay.Run(inputs, hunter, io.OpenStdin, n =>
                {
                    read += n;
                    if (read - lastUpdate >= 4 << 20)
                    {
                        lastUpdate = read;
                        task.Value = Math.Min(read, total);
                        task.Description = string.Create(CultureInfo.InvariantCulture, $"{hunter.Observed:N0} msgs, {hunter.Alerts.Count} alerts");
                    }
                });
                task.Value = total;
            });
        return statistics!;
    }

    private static int Follow(CliIo io, string path, LogReplay replay, HuntOptions options, bool asJson)
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler cancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += cancel;
        // SIGTERM (service managers, `kill`) ends the follow as cleanly as Ctrl-C: open messages flushed, summary printed.
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            var hunter = new LogHunter(options, alert =>
            {
                io.Out.WriteLine(asJson ? HuntJson.Line(alert) : string.Create(CultureInfo.InvariantCulture,
                    $"{LogOptions.Time(alert.DetectedAt)} {alert.Account} {alert.Alert.Rule} {alert.Alert.Severity.ToString().ToLowerInvariant()} messages.1h={alert.Window.Messages} domains.1h={alert.Window.Domains} refused_share.1h={alert.Window.RefusedShare:0.00}"));
                io.Out.Flush();
            }, keepAlerts: false);
            var statistics = replay.Follow(path, hunter, TimeSpan.FromMilliseconds(250), stop.Token);
            io.Error.WriteLine($"relaywarden hunt: {statistics.Lines:N0} lines, {statistics.Garbled:N0} garbled, {statistics.Unjoinable:N0} unjoinable");
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= cancel;
        }
    }
}
