using System.CommandLine;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using RelayWarden.Hosting.Relay;
using RelayWarden.Core.Control;
using RelayWarden.Smtp;
using RelayWarden.Web;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden serve --config FILE</c>: runs the standalone relay until SIGTERM or SIGINT, then
/// shuts down gracefully. Logs (logfmt, one line per event) go to stderr. Exit 2 on a bad config
/// or an unusable listener.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliIo io)
    {
        var config = new Option<string>("--config") { Description = "The YAML configuration.", Required = true };
        var drain = new Option<int>("--drain-seconds") { Description = "On shutdown, how long work in progress may finish.", DefaultValueFactory = _ => 20 };
        var command = new Command("serve", "Run the standalone SMTP relay (listener, spool, delivery, records) and the operators' console (listen.web).") { config, drain };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "serve", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            var log = new RelayLog(io.Error, TimeProvider.System);
            RelayHost host;
            try
            {
                host = RelayHost.Start(loaded, log);
            }
            catch (SocketException exception)
            {
                io.Error.WriteLine($"relaywarden serve: cannot listen on {loaded.Listen.Smtp}: {exception.Message}");
                return Program.UsageError;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or UriFormatException)
            {
                io.Error.WriteLine($"relaywarden serve: cannot start: {exception.Message}");
                return Program.UsageError;
            }

            ConsoleServer? console = null;
            IConsoleStore? consoleStore = null;
            if (loaded.Listen.Web is { } web)
            {
                try
                {
                    consoleStore = ConsoleStores.Open(loaded);
                    console = ConsoleServer.StartAsync(host, consoleStore, web).GetAwaiter().GetResult();
                }
                catch (IOException exception)
                {
                    io.Error.WriteLine($"relaywarden serve: cannot listen on {web} (listen.web): {exception.Message}");
                    consoleStore?.Dispose();
                    host.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    return Program.UsageError;
                }
            }

            using var stopped = new ManualResetEventSlim();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopped.Set(); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopped.Set(); });
            stopped.Wait();
            console?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            consoleStore?.Dispose();
            host.StopAsync(TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(drain)))).GetAwaiter().GetResult();
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 0;
        });
        return command;
    }
}
