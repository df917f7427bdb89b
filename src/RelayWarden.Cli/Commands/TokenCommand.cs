using System.CommandLine;
using System.Globalization;
using RelayWarden.Core.Control;
using RelayWarden.Web;
using RelayWarden.Web.Auth;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden token create --config FILE --name NAME [--role admin|analyst]</c>: prints a new API
/// token (once; only its hash is kept). A token named after an operator takes that operator's role;
/// otherwise <c>--role</c> (default admin: whoever can read the configuration and its data directory
/// administers the relay already). <c>token list</c>, <c>token revoke ID</c>.
/// </summary>
internal static class TokenCommand
{
    public static Command Create(CliIo io)
    {
        var command = new Command("token", "Manage API tokens of the console's REST API.");
        command.Subcommands.Add(CreateToken(io));
        command.Subcommands.Add(List(io));
        command.Subcommands.Add(Revoke(io));
        return command;
    }

    private static Command CreateToken(CliIo io)
    {
        var config = ControlOptions.Config();
        var name = new Option<string>("--name") { Description = "What the token is for (or an operator's name: the token takes its role).", Required = true };
        var role = new Option<string?>("--role") { Description = "admin or analyst (default: the operator's role, else admin)." };
        role.AcceptOnlyFromAmong("admin", "analyst");
        var by = ControlOptions.By();
        var command = new Command("create", "Create an API token and print it (shown once).") { config, name, role, by };
        command.SetAction(parse =>
        {
            string tokenName = parse.GetValue(name)!.Trim();
            if (!UserCommand.IsValidName(tokenName))
            {
                io.Error.WriteLine($"relaywarden token create: bad name '{tokenName}': use 1-64 letters, digits, '.', '_', '-' or '@'");
                return Program.UsageError;
            }

            if (ConfigFile.TryLoad(io, "token create", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ConsoleStores.Open(loaded);
            var chosen = parse.GetValue(role) switch
            {
                "admin" => OperatorRole.Admin,
                "analyst" => OperatorRole.Analyst,
                _ => store.FindOperator(tokenName)?.Role ?? OperatorRole.Admin,
            };
            io.Out.WriteLine(ApiTokens.Create(store, tokenName, chosen, "cli:" + ControlOptions.Who(parse.GetValue(by)), DateTimeOffset.UtcNow));
            return 0;
        });
        return command;
    }

    private static Command List(CliIo io)
    {
        var config = ControlOptions.Config();
        var command = new Command("list", "List API tokens (id, name, role, created, last used).") { config };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "token list", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ConsoleStores.Open(loaded);
            foreach (var token in store.Tokens())
            {
                io.Out.WriteLine(string.Join('\t', token.Id.ToString(CultureInfo.InvariantCulture), token.Name, token.Role == OperatorRole.Admin ? "admin" : "analyst",
                    ControlOptions.Time(token.CreatedAt), token.LastUsedAt is { } used ? ControlOptions.Time(used) : "never", token.Revoked ? "revoked" : "live"));
            }

            return 0;
        });
        return command;
    }

    private static Command Revoke(CliIo io)
    {
        var config = ControlOptions.Config();
        var id = new Argument<long>("ID") { Description = "The token's id (token list)." };
        var reason = ControlOptions.Reason();
        var by = ControlOptions.By();
        var command = new Command("revoke", "Revoke an API token.") { config, id, reason, by };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "token revoke", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ConsoleStores.Open(loaded);
            if (!store.RevokeToken(parse.GetValue(id), "cli:" + ControlOptions.Who(parse.GetValue(by)), DateTimeOffset.UtcNow, parse.GetValue(reason)))
            {
                io.Error.WriteLine($"relaywarden token revoke: no live token {parse.GetValue(id)}");
                return Program.UsageError;
            }

            io.Out.WriteLine($"token {parse.GetValue(id)} revoked");
            return 0;
        });
        return command;
    }
}
