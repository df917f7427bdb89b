using System.CommandLine;
using RelayWarden.Cli.Commands;

namespace RelayWarden.Cli;

/// <summary>The <c>relaywarden</c> command line: one verb per job, each in Commands/.</summary>
public static class Program
{
    /// <summary>Exit code of a bad invocation, a bad configuration or unreadable input.</summary>
    public const int UsageError = 2;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, Console.OpenStandardInput);

    /// <summary>Runs the command line with explicit streams (tests call this).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<Stream> stdin)
    {
        var io = new CliIo(stdout, stderr, stdin);
        var root = new RootCommand("RelayWarden guards the outbound path of an email service: sender authorization and abuse detection.");
        root.Subcommands.Add(CheckCommand.Create(io));
        foreach (var register in CommandRegistry.Extra)
        {
            root.Subcommands.Add(register(io));
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            string message = string.Join(' ', parse.Errors[0].Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            stderr.WriteLine($"relaywarden: {message} (see 'relaywarden {string.Join(' ', args.Take(1))} --help')");
            return UsageError;
        }

        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
