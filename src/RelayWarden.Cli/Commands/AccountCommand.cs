using System.CommandLine;
using System.Net;
using RelayWarden.Core.Control;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Control;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden account suspend|resume|show --config FILE ACCOUNT</c>: suspensions in the control
/// store (<c>data_dir/control.db</c>). A running relay picks a change up within a few seconds. ACCOUNT
/// is a login, <c>tenant/ip</c> for mail that arrives by IP, or a tenant id with <c>--tenant</c>.
/// </summary>
internal static class AccountCommand
{
    public static Command Create(CliIo io)
    {
        var command = new Command("account", "Suspend, resume and inspect sending accounts.");
        command.Subcommands.Add(Change(io, "suspend", "Refuse all mail of the account until a person resumes it."));
        command.Subcommands.Add(Change(io, "resume", "Lift a suspension."));
        command.Subcommands.Add(Show(io));
        return command;
    }

    private static Argument<string> AccountArgument() => new("ACCOUNT") { Description = "A login, tenant/ip, or a tenant id with --tenant." };

    private static Option<bool> TenantOption() => new("--tenant") { Description = "ACCOUNT is a tenant id: the whole tenant." };

    /// <summary>Checks the account against the directory; null (after one stderr line) when unknown.</summary>
    private static string? Resolve(CliIo io, string verb, RelayWardenConfig config, string account, bool tenant)
    {
        if (tenant)
        {
            if (config.Directory.FindTenant(account) is null)
            {
                io.Error.WriteLine($"relaywarden account {verb}: no tenant '{account}' in the configuration");
                return null;
            }

            return account;
        }

        if (config.Directory.FindLogin(account) is { } user)
        {
            return user.Login;
        }

        int slash = account.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && config.Directory.FindTenant(account[..slash]) is not null && IPAddress.TryParse(account[(slash + 1)..], out var ip))
        {
            return $"{account[..slash]}/{ip}";
        }

        io.Error.WriteLine($"relaywarden account {verb}: '{account}' is no login and no tenant/ip of the configuration (a tenant id needs --tenant)");
        return null;
    }

    private static Command Change(CliIo io, string verb, string description)
    {
        var config = ControlOptions.Config();
        var account = AccountArgument();
        var tenant = TenantOption();
        var reason = ControlOptions.Reason();
        var by = ControlOptions.By();
        var command = new Command(verb, description) { config, account, tenant, reason, by };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, $"account {verb}", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            bool isTenant = parse.GetValue(tenant);
            if (Resolve(io, verb, loaded, parse.GetValue(account)!, isTenant) is not { } key)
            {
                return Program.UsageError;
            }

            var scope = isTenant ? SuspensionScope.Tenant : SuspensionScope.Account;
            string who = ControlOptions.Who(parse.GetValue(by));
            var now = TimeProvider.System.GetUtcNow();
            using var store = ControlStores.Open(loaded);
            string subject = ControlSubjects.For(scope, key);
            if (verb == "suspend")
            {
                bool changed = store.Suspend(new Suspension(scope, key, who, now, parse.GetValue(reason)));
                io.Out.WriteLine(changed ? $"suspended {subject} by {who}" : $"{subject} was already suspended");
            }
            else
            {
                bool changed = store.Resume(scope, key, who, now, parse.GetValue(reason));
                io.Out.WriteLine(changed ? $"resumed {subject} by {who}" : $"{subject} was not suspended");
            }

            return 0;
        });
        return command;
    }

    private static Command Show(CliIo io)
    {
        var config = ControlOptions.Config();
        var account = AccountArgument();
        var tenant = TenantOption();
        var command = new Command("show", "The account's state, its history of changes and its recent alerts.") { config, account, tenant };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "account show", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            bool isTenant = parse.GetValue(tenant);
            if (Resolve(io, "show", loaded, parse.GetValue(account)!, isTenant) is not { } key)
            {
                return Program.UsageError;
            }

            var scope = isTenant ? SuspensionScope.Tenant : SuspensionScope.Account;
            using var store = ControlStores.Open(loaded);
            string subject = ControlSubjects.For(scope, key);
            io.Out.WriteLine(store.FindSuspension(scope, key) is { } suspension
                ? $"{subject}: suspended by {suspension.By} at {ControlOptions.Time(suspension.At)}{(suspension.Why is { Length: > 0 } why ? $": {why}" : string.Empty)}"
                : $"{subject}: active");
            if (!isTenant && loaded.Directory.FindLogin(key) is { } user && store.FindSuspension(SuspensionScope.Tenant, user.Tenant.Id) is { } onTenant)
            {
                io.Out.WriteLine($"tenant:{user.Tenant.Id}: suspended by {onTenant.By} at {ControlOptions.Time(onTenant.At)}");
            }

            io.Out.WriteLine("history:");
            foreach (var entry in store.History(subject, 20))
            {
                io.Out.WriteLine($"  {ControlOptions.Time(entry.At)}  {entry.Action}  by={entry.By}{(entry.Why is { Length: > 0 } text ? $"  why=\"{text}\"" : string.Empty)}");
            }

            io.Out.WriteLine("alerts:");
            foreach (var alert in store.Alerts(key, 10))
            {
                io.Out.WriteLine($"  {ControlOptions.Time(alert.At)}  #{alert.Id}  {alert.Rule}  {alert.Severity}  action={alert.Action}  evidence={alert.EvidenceJson}");
            }

            return 0;
        });
        return command;
    }
}
