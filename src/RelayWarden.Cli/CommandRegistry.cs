using System.CommandLine;

namespace RelayWarden.Cli;

/// <summary>The verbs besides <c>check</c>: each adds one line here (serve, hunt, queue, ...).</summary>
internal static class CommandRegistry
{
    public static IReadOnlyList<Func<CliIo, Command>> Extra { get; } =
    [
        Commands.ServeCommand.Create,
        Commands.QueueCommand.Create,
        Commands.UserCommand.Create,
        Commands.TokenCommand.Create,
        Commands.EvaluateCommand.Create,
        Commands.AccountCommand.Create,
        Commands.BlockCommand.Create,
        Commands.DomainCommand.Create,
        Commands.HuntCommand.Create,
        Commands.TraceCommand.Create,
        Commands.ReplayCommand.Create,
    ];
}
