using System.CommandLine;
using RelayWarden.Smtp.Spool;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden queue list|flush|delete ID|release ID</c>: the spool under <c>data_dir/spool</c>, for operators.
/// Works beside a running relay (it rescans the spool).
/// </summary>
internal static class QueueCommand
{
    public static Command Create(CliIo io)
    {
        var command = new Command("queue", "Inspect and manage the relay's spool.");
        command.Subcommands.Add(List(io));
        command.Subcommands.Add(Flush(io));
        command.Subcommands.Add(Delete(io));
        command.Subcommands.Add(Release(io));
        return command;
    }

    private static Command Release(CliIo io)
    {
        var config = ConfigOption();
        var id = new Argument<string>("ID") { Description = "The queue id of a held message (from 'queue list')." };
        var command = new Command("release", "Release a held message (quarantined by a hold rule) for delivery.") { config, id };
        command.SetAction(parse =>
        {
            if (Open(io, "release", parse.GetValue(config)!) is not { } spool)
            {
                return Program.UsageError;
            }

            string queueId = parse.GetValue(id)!;
            if (queueId.Length == 0 || queueId.Any(c => !char.IsAsciiHexDigit(c)))
            {
                io.Error.WriteLine($"relaywarden queue release: '{queueId}' is not a queue id");
                return Program.UsageError;
            }

            if (!spool.Release(queueId))
            {
                io.Error.WriteLine($"relaywarden queue release: no held message {queueId}");
                return 1;
            }

            io.Out.WriteLine($"released {queueId}");
            return 0;
        });
        return command;
    }

    private static Option<string> ConfigOption() => new("--config") { Description = "The YAML configuration.", Required = true };

    private static MessageSpool? Open(CliIo io, string verb, string path) =>
        ConfigFile.TryLoad(io, $"queue {verb}", path) is { } config ? new MessageSpool(Path.Combine(config.DataDir, "spool"), TimeProvider.System) : null;

    private static Command List(CliIo io)
    {
        var config = ConfigOption();
        var command = new Command("list", "List queued and held messages: id, age, attempts, next attempt, envelope.") { config };
        command.SetAction(parse =>
        {
            if (Open(io, "list", parse.GetValue(config)!) is not { } spool)
            {
                return Program.UsageError;
            }

            int count = 0;
            foreach (bool held in (bool[])[false, true])
            {
                foreach (string id in spool.List(held))
                {
                    SpoolEnvelope envelope;
                    ReadOnlyMemory<byte> content;
                    try
                    {
                        if (!spool.TryRead(id, out envelope, out content, held))
                        {
                            continue;
                        }
                    }
                    catch (Exception exception) when (exception is InvalidDataException or System.Text.Json.JsonException)
                    {
                        io.Error.WriteLine($"relaywarden queue list: {id}: unreadable spool file: {exception.Message}");
                        continue;
                    }

                    var state = held ? new SpoolState() : spool.ReadState(id);
                    string next = held ? "held" : state.NextAttempt == default || state.NextAttempt == DateTimeOffset.MinValue ? "now" : state.NextAttempt.ToString("u", System.Globalization.CultureInfo.InvariantCulture);
                    io.Out.WriteLine($"{id}  {content.Length,9}  {envelope.Received:u}  attempts={state.Attempts}  next={next}  {MessageSpool.Describe(envelope)}{(state.LastError is { } error ? $"  last_error=\"{error}\"" : string.Empty)}");
                    count++;
                }
            }

            io.Out.WriteLine($"{count} message(s)");
            return 0;
        });
        return command;
    }

    private static Command Flush(CliIo io)
    {
        var config = ConfigOption();
        var command = new Command("flush", "Make every queued message due now.") { config };
        command.SetAction(parse =>
        {
            if (Open(io, "flush", parse.GetValue(config)!) is not { } spool)
            {
                return Program.UsageError;
            }

            int count = spool.FlushAsync().GetAwaiter().GetResult();
            io.Out.WriteLine($"{count} message(s) due now");
            return 0;
        });
        return command;
    }

    private static Command Delete(CliIo io)
    {
        var config = ConfigOption();
        var id = new Argument<string>("ID") { Description = "The queue id (from 'queue list')." };
        var command = new Command("delete", "Delete one message (queued or held) without delivering it.") { config, id };
        command.SetAction(parse =>
        {
            if (Open(io, "delete", parse.GetValue(config)!) is not { } spool)
            {
                return Program.UsageError;
            }

            string queueId = parse.GetValue(id)!;
            if (queueId.Length == 0 || queueId.Any(c => !char.IsAsciiHexDigit(c)))
            {
                io.Error.WriteLine($"relaywarden queue delete: '{queueId}' is not a queue id");
                return Program.UsageError;
            }

            if (!spool.Delete(queueId) && !spool.Delete(queueId, held: true))
            {
                io.Error.WriteLine($"relaywarden queue delete: no message {queueId}");
                return 1;
            }

            io.Out.WriteLine($"deleted {queueId}");
            return 0;
        });
        return command;
    }
}
