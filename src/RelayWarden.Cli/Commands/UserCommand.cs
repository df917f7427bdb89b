using System.CommandLine;
using RelayWarden.Core.Control;
using RelayWarden.Core.Directory;
using RelayWarden.Web;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden user add --config FILE --name NAME --role admin|analyst</c>: creates a console operator
/// (password: the first line of stdin); <c>relaywarden user hash-password</c>: prints the hash of an
/// SMTP-AUTH login's password for <c>password_hash:</c>.
/// </summary>
internal static class UserCommand
{
    /// <summary>Shortest operator password accepted.</summary>
    public const int MinPasswordLength = 10;

    public static Command Create(CliIo io)
    {
        var command = new Command("user", "Manage console operators and SMTP-AUTH password hashes.");
        command.Subcommands.Add(Add(io));
        command.Subcommands.Add(List(io));
        command.Subcommands.Add(HashPassword(io));
        return command;
    }

    private static Command Add(CliIo io)
    {
        var config = ControlOptions.Config();
        var name = new Option<string>("--name") { Description = "The operator's sign-in name.", Required = true };
        var role = new Option<string>("--role") { Description = "admin (may act) or analyst (read-only).", Required = true };
        role.AcceptOnlyFromAmong("admin", "analyst");
        var by = ControlOptions.By();
        var command = new Command("add", "Create a console operator; the password is read from standard input (first line).") { config, name, role, by };
        command.SetAction(parse =>
        {
            string operatorName = parse.GetValue(name)!.Trim();
            if (!IsValidName(operatorName))
            {
                io.Error.WriteLine($"relaywarden user add: bad name '{operatorName}': use 1-64 letters, digits, '.', '_', '-' or '@'");
                return Program.UsageError;
            }

            string? password = ReadPassword(io);
            if (password is null || password.Length < MinPasswordLength)
            {
                io.Error.WriteLine($"relaywarden user add: the password (first line of standard input) must have at least {MinPasswordLength} characters");
                return Program.UsageError;
            }

            if (ConfigFile.TryLoad(io, "user add", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ConsoleStores.Open(loaded);
            var chosen = parse.GetValue(role) == "admin" ? OperatorRole.Admin : OperatorRole.Analyst;
            var account = new Operator(operatorName, chosen, DateTimeOffset.UtcNow, false);
            if (!store.AddOperator(account, PasswordHash.Hash(password), "cli:" + ControlOptions.Who(parse.GetValue(by)), null))
            {
                io.Error.WriteLine($"relaywarden user add: operator '{operatorName}' exists already");
                return Program.UsageError;
            }

            io.Out.WriteLine($"operator {operatorName} ({parse.GetValue(role)}) created");
            return 0;
        });
        return command;
    }

    private static Command List(CliIo io)
    {
        var config = ControlOptions.Config();
        var command = new Command("list", "List console operators.") { config };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "user list", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ConsoleStores.Open(loaded);
            foreach (var found in store.Operators())
            {
                io.Out.WriteLine($"{found.Name}\t{(found.Role == OperatorRole.Admin ? "admin" : "analyst")}\t{ControlOptions.Time(found.CreatedAt)}{(found.Disabled ? "\tdisabled" : string.Empty)}");
            }

            return 0;
        });
        return command;
    }

    private static Command HashPassword(CliIo io)
    {
        var hash = new Command("hash-password", "Read a password from standard input and print its hash for 'password_hash:'.");
        hash.SetAction(_ =>
        {
            string? password = ReadPassword(io);
            if (string.IsNullOrEmpty(password))
            {
                io.Error.WriteLine("relaywarden user hash-password: no password on standard input");
                return Program.UsageError;
            }

            io.Out.WriteLine(PasswordHash.Hash(password));
            return 0;
        });
        return hash;
    }

    private static string? ReadPassword(CliIo io)
    {
        using var reader = new StreamReader(io.OpenStdin());
        return reader.ReadLine()?.TrimEnd('\r');
    }

    internal static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');
}
