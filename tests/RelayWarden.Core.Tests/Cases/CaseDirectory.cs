using System.Net;
using Microsoft.Extensions.Time.Testing;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Mail.Addresses;

namespace RelayWarden.Core.Tests.Cases;

/// <summary>
/// The one fixed directory every golden case runs against. Cases name tenants by their client IP
/// or login, so keep this table stable: changing it changes many .expected files.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item>acme — paid, acme.example (+subdomains), acme-mail.example (exact only), 192.0.2.0/24; logins alice@acme.example (alice@, sales@), bot@acme.example (any), blocked-user@acme.example, suspended-user@acme.example (suspended in the control store)</item>
/// <item>globex — paid, globex.example, 192.0.2.128/25 (inside acme's /24: longest prefix wins)</item>
/// <item>trial-1 — trial opened by a partner, trial-1.example, 198.51.100.0/26 (the incident's tenant)</item>
/// <item>trial-self — self-service trial, trial-self.example, 198.51.100.64/26</item>
/// <item>frozen — suspended, frozen.example, 198.51.100.128/26</item>
/// <item>noext — paid, external_from: false, noext.example, 203.0.113.0/24</item>
/// <item>bücher — paid, xn--bcher-kva.example (bücher.example), 2001:db8:b::/48</item>
/// </list>
/// Blocklist: ip 203.0.113.66; login blocked-user@acme.example; domain old.acme.example; address
/// mallory@acme.example; address expired@acme.example (expired before the fixed clock).
/// </remarks>
internal static class CaseDirectory
{
    /// <summary>The fixed clock: the morning of the April-2025 incident.</summary>
    public static DateTimeOffset Now { get; } = new(2025, 4, 21, 3, 14, 7, TimeSpan.Zero);

    public static IReadOnlyList<Tenant> Tenants() =>
    [
        new Tenant
        {
            Id = "acme", Domains = [new DomainClaim("acme.example"), new DomainClaim("acme-mail.example", Subdomains: false)],
            Networks = [IPNetwork.Parse("192.0.2.0/24")],
            Users =
            [
                new TenantUser("alice@acme.example", [Address("alice@acme.example"), Address("sales@acme.example")]),
                new TenantUser("bot@acme.example", null),
                new TenantUser("blocked-user@acme.example", null),
                new TenantUser("suspended-user@acme.example", null),
            ],
        },
        new Tenant { Id = "globex", Domains = [new DomainClaim("globex.example")], Networks = [IPNetwork.Parse("192.0.2.128/25")] },
        new Tenant
        {
            Id = "trial-1", Kind = TenantKind.Trial, CreatedBy = TenantCreator.Partner, Domains = [new DomainClaim("trial-1.example")],
            Networks = [IPNetwork.Parse("198.51.100.0/26")],
        },
        new Tenant
        {
            Id = "trial-self", Kind = TenantKind.Trial, CreatedBy = TenantCreator.Self, Domains = [new DomainClaim("trial-self.example")],
            Networks = [IPNetwork.Parse("198.51.100.64/26")],
        },
        new Tenant { Id = "frozen", Status = TenantStatus.Suspended, Domains = [new DomainClaim("frozen.example")], Networks = [IPNetwork.Parse("198.51.100.128/26")] },
        new Tenant { Id = "noext", ExternalFrom = false, Domains = [new DomainClaim("noext.example")], Networks = [IPNetwork.Parse("203.0.113.0/24")] },
        new Tenant { Id = "buecher", Domains = [new DomainClaim("xn--bcher-kva.example")], Networks = [IPNetwork.Parse("2001:db8:b::/48")] },
    ];

    public static Blocklist Blocklist() => new(
    [
        new BlockEntry(BlockKind.Ip, "203.0.113.66/32", null, "spam run"),
        new BlockEntry(BlockKind.Login, "blocked-user@acme.example", null, "password leaked"),
        new BlockEntry(BlockKind.Domain, "old.acme.example", null, "retired domain"),
        new BlockEntry(BlockKind.Address, "mallory@acme.example", null),
        new BlockEntry(BlockKind.Address, "expired@acme.example", Now.AddDays(-1)),
    ]);

    /// <summary>The control store's suspensions: the login suspended-user@acme.example, by ops.</summary>
    public static Suspensions Suspensions() =>
        new([new RelayWarden.Core.Control.Suspension(RelayWarden.Core.Control.SuspensionScope.Account, "suspended-user@acme.example", "ops", Now.AddHours(-1), "phished")]);

    public static SenderAuthorization Engine(PolicyOptions? options = null)
    {
        var directory = TenantDirectory.Build(Tenants(), out var errors);
        Assert.Empty(errors);
        return new SenderAuthorization(directory, Blocklist(), Suspensions(), options ?? PolicyOptions.Default, new FakeTimeProvider(Now));
    }

    private static Mailbox Address(string text)
    {
        Assert.True(Mailbox.TryParse(text, out var mailbox, out var error), error);
        return mailbox;
    }
}
