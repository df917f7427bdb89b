using System.CommandLine;
using RelayWarden.Core.Control;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Control;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden domain claim|verify|override|unclaim|list --config FILE</c>: domain claims in the
/// control store. A claim prints the TXT record to publish; <c>verify</c> looks it up on
/// <c>domain_claims.dns_servers</c>. Until a claim is verified or overridden, mail from the domain is
/// refused as from an unknown domain. Exit 0 done, 1 refused (conflict, unknown claim), 2 bad usage.
/// </summary>
internal static class DomainCommand
{
    public static Command Create(CliIo io)
    {
        var command = new Command("domain", "Manage domain claims (DNS TXT verification, operator override).");
        command.Subcommands.Add(Claim(io));
        command.Subcommands.Add(Verify(io));
        command.Subcommands.Add(Override(io));
        command.Subcommands.Add(Unclaim(io));
        command.Subcommands.Add(List(io));
        return command;
    }

    private static Argument<string> DomainArgument() => new("DOMAIN") { Description = "The domain (IDN allowed)." };

    private static int Report(CliIo io, string verb, AdminFailure failure, string? error)
    {
        io.Error.WriteLine($"relaywarden domain {verb}: {error}");
        return failure == AdminFailure.Invalid ? Program.UsageError : 1;
    }

    private static void Show(CliIo io, DirectoryAdmin admin, StoredDomainClaim claim)
    {
        io.Out.WriteLine($"{claim.Domain}  tenant={claim.Tenant}  state={claim.State.ToString().ToLowerInvariant()}  claimed={ControlOptions.Time(claim.ClaimedAt)} by {claim.ClaimedBy}");
        if (!claim.Grants)
        {
            io.Out.WriteLine($"  publish: {admin.RecordName(claim)}. IN TXT \"{DirectoryAdmin.RecordValue(claim)}\"");
        }

        if (claim.CheckedAt is { } checkedAt)
        {
            io.Out.WriteLine($"  checked {ControlOptions.Time(checkedAt)}: {claim.CheckResult}");
        }

        if (claim.State == ClaimState.Overridden)
        {
            io.Out.WriteLine($"  overridden by {claim.OverrideBy}: {claim.OverrideWhy}");
        }
    }

    private static Command Claim(CliIo io)
    {
        var config = ControlOptions.Config();
        var tenant = new Option<string>("--tenant") { Description = "The claiming tenant's id.", Required = true };
        var domain = DomainArgument();
        var by = ControlOptions.By();
        var command = new Command("claim", "Claim a domain for a tenant; prints the TXT record it must publish.") { config, tenant, domain, by };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "domain claim", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ControlStores.Open(loaded);
            var admin = Admin(loaded, store);
            var result = admin.Claim(parse.GetValue(tenant)!, parse.GetValue(domain)!, ControlOptions.Who(parse.GetValue(by)));
            if (!result.Ok)
            {
                return Report(io, "claim", result.Failure, result.Error);
            }

            Show(io, admin, result.Value!);
            return 0;
        });
        return command;
    }

    private static Command Verify(CliIo io)
    {
        var config = ControlOptions.Config();
        var domain = DomainArgument();
        var by = ControlOptions.By();
        var command = new Command("verify", "Look the claim's TXT record up now.") { config, domain, by };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (ConfigFile.TryLoad(io, "domain verify", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ControlStores.Open(loaded);
            var admin = Admin(loaded, store);
            var result = await admin.VerifyAsync(parse.GetValue(domain)!, ControlOptions.Who(parse.GetValue(by)), cancellationToken).ConfigureAwait(false);
            if (!result.Ok)
            {
                return Report(io, "verify", result.Failure, result.Error);
            }

            Show(io, admin, result.Value!);
            return result.Value!.Grants ? 0 : 1;
        });
        return command;
    }

    private static Command Override(CliIo io)
    {
        var config = ControlOptions.Config();
        var domain = DomainArgument();
        var reason = new Option<string>("--reason") { Description = "Why the TXT check is overridden (required, audited).", Required = true };
        var by = ControlOptions.By();
        var command = new Command("override", "Give a claimed domain to its tenant without the TXT record.") { config, domain, reason, by };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "domain override", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ControlStores.Open(loaded);
            var admin = Admin(loaded, store);
            var result = admin.Override(parse.GetValue(domain)!, ControlOptions.Who(parse.GetValue(by)), parse.GetValue(reason)!);
            if (!result.Ok)
            {
                return Report(io, "override", result.Failure, result.Error);
            }

            Show(io, admin, result.Value!);
            return 0;
        });
        return command;
    }

    private static Command Unclaim(CliIo io)
    {
        var config = ControlOptions.Config();
        var domain = DomainArgument();
        var reason = ControlOptions.Reason();
        var by = ControlOptions.By();
        var command = new Command("unclaim", "Withdraw a claim (a verified domain stops being the tenant's).") { config, domain, reason, by };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "domain unclaim", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ControlStores.Open(loaded);
            var result = Admin(loaded, store).Unclaim(parse.GetValue(domain)!, ControlOptions.Who(parse.GetValue(by)), parse.GetValue(reason));
            if (!result.Ok)
            {
                return Report(io, "unclaim", result.Failure, result.Error);
            }

            io.Out.WriteLine($"unclaimed {result.Value!.Domain} (tenant {result.Value.Tenant})");
            return 0;
        });
        return command;
    }

    private static Command List(CliIo io)
    {
        var config = ControlOptions.Config();
        var command = new Command("list", "List domain claims and their state.") { config };
        command.SetAction(parse =>
        {
            if (ConfigFile.TryLoad(io, "domain list", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            using var store = ControlStores.Open(loaded);
            var admin = Admin(loaded, store);
            var claims = store.DomainClaims();
            foreach (var claim in claims)
            {
                Show(io, admin, claim);
            }

            io.Out.WriteLine($"{claims.Count} claim{(claims.Count == 1 ? string.Empty : "s")}");
            return 0;
        });
        return command;
    }

    private static DirectoryAdmin Admin(RelayWardenConfig config, IControlStore store) =>
        new(config, store, new DomainTxtVerifier(config.DomainClaims), TimeProvider.System);
}
