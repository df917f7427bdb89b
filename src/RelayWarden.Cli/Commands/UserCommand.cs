using System.CommandLine;
using RelayWarden.Core.Directory;

namespace RelayWarden.Cli.Commands;

/// <summary><c>relaywarden user hash-password</c>: reads a password from stdin (first line) and prints the <c>password_hash:</c> value.</summary>
internal static class UserCommand
{
    public static Command Create(CliIo io)
    {
        var command = new Command("user", "Manage SMTP-AUTH logins.");
        var hash = new Command("hash-password", "Read a password from standard input and print its hash for 'password_hash:'.");
        hash.SetAction(_ =>
        {
            using var reader = new StreamReader(io.OpenStdin());
            string? password = reader.ReadLine();
            if (string.IsNullOrEmpty(password))
            {
                io.Error.WriteLine("relaywarden user hash-password: no password on standard input");
                return Program.UsageError;
            }

            io.Out.WriteLine(PasswordHash.Hash(password));
            return 0;
        });
        command.Subcommands.Add(hash);
        return command;
    }
}
