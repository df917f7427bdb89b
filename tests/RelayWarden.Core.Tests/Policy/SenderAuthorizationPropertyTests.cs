using System.Net;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Core.Tests.Policy;

/// <summary>
/// Invariants of sender authorization over random directories and random submissions (DESIGN,
/// "Sender authorization — the semantics"). Ownership is recomputed here by a naive model of the
/// claims, not through <see cref="TenantDirectory"/>.
/// </summary>
public class SenderAuthorizationPropertyTests
{
    private static readonly DateTimeOffset s_now = new(2025, 4, 21, 3, 14, 7, TimeSpan.Zero);

    /// <summary>Domains used by scenarios: claimed ones, nested claims and external ones.</summary>
    private static readonly string[] s_domains =
    [
        "d0.example", "d1.example", "d2.example", "d3.example", "sub.d0.example", "x.sub.d0.example", "mail.d1.example",
        "ext0.example", "ext1.example", "d2.example.ext", "D1.Example", "xn--bcher-kva.example",
    ];

    public sealed record Claim(int Tenant, string Name, bool Subdomains);

    public sealed record Scenario(
        bool[] Trial, bool?[] ExternalFrom, Claim[] Claims, int Submitter,
        string? Envelope, string From, string? Sender, string? ResentFrom, string? ResentSender, bool DuplicateFrom)
    {
        public override string ToString() =>
            $"claims=[{string.Join(", ", Claims.Select(c => $"{c.Tenant}:{c.Name}{(c.Subdomains ? "" : "(exact)")}"))}] trial=[{string.Join(",", Trial)}] ext=[{string.Join(",", ExternalFrom)}] " +
            $"T={Submitter} E={Envelope ?? "<>"} From={From} Sender={Sender} Resent-From={ResentFrom} Resent-Sender={ResentSender} dupFrom={DuplicateFrom}";
    }

    public static class Arbitraries
    {
        /// <summary>An address, more often in one of the submitter's own domains (or below them) than not.</summary>
        private static Gen<string> Address(string[] own) =>
            from local in Gen.Elements("a", "ceo", "Info", "x.y")
            from domain in own.Length == 0
                ? Gen.Elements(s_domains)
                : Gen.Frequency((3, Gen.Elements(own)), (1, Gen.Elements(own).Select(d => "sub." + d)), (3, Gen.Elements(s_domains)))
            select $"{local}@{domain}";

        /// <summary>A From value: plain, with a display name, or with a construct a lenient reader may read differently.</summary>
        private static Gen<string> Field(string[] own) =>
            from address in Address(own)
            from other in Address(own)
            from shape in Gen.Choose(0, 20)
            select shape switch
            {
                0 or 1 or 2 or 16 or 17 or 18 or 19 => address,
                3 => $"Someone <{address}>",
                4 => $"\"{other}\" <{address}>",
                5 => $"({other}) {address}",
                6 => $"{address}, {other}",
                7 => $"=?utf-8?q?{other.Replace("@", "=40", StringComparison.Ordinal)}?= <{address}>",
                8 => $"<@{other.Split('@')[1]}:{address}>",
                9 => $"group: {address};",
                10 => $"\"{other.Split('@')[0]}@{other.Split('@')[1]}\"@{address.Split('@')[1]}",
                11 => $"{other} <{address}>",
                12 => $"<{address}> <{other}>",
                13 => $"{address} ({other.Split('@')[1]})",
                14 => $"<{address}>",
                _ => $"{address}.",
            };

        public static Arbitrary<Scenario> Scenarios()
        {
            var gen =
                from tenants in Gen.Choose(2, 4)
                from trial in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true))), tenants)
                from external in Gen.ArrayOf(Gen.Elements<bool?>(null, true, false), tenants)
                from claimCount in Gen.Choose(1, 6)
                from claims in Gen.ArrayOf(
                    from tenant in Gen.Choose(0, tenants - 1)
                    from name in Gen.Elements(s_domains.Where(d => d.StartsWith('d') || d.StartsWith("sub", StringComparison.Ordinal) || d.StartsWith("mail", StringComparison.Ordinal) || d.StartsWith("xn", StringComparison.Ordinal)).ToArray())
                    from subdomains in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
                    select new Claim(tenant, name, subdomains), claimCount)
                from submitter in Gen.Choose(0, tenants - 1)
                let own = DistinctClaims(claims).Where(c => c.Tenant == submitter).Select(c => c.Name).ToArray()
                from envelope in Gen.Frequency((1, Gen.Constant<string?>(null)), (3, Address(own).Select(a => (string?)a)))
                from author in Field(own)
                from sender in Gen.OneOf(Gen.Constant<string?>(null), Gen.Constant<string?>(null), Field(own).Select(a => (string?)a))
                from resentFrom in Gen.Frequency((3, Gen.Constant<string?>(null)), (1, Address(own).Select(a => (string?)a)))
                from resentSender in Gen.Frequency((4, Gen.Constant<string?>(null)), (1, Address(own).Select(a => (string?)a)))
                from duplicate in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
                select new Scenario(trial, external, DistinctClaims(claims), submitter, envelope, author, sender, resentFrom, resentSender, duplicate);
            return gen.ToArbitrary();
        }

        private static Claim[] DistinctClaims(Claim[] claims) =>
            claims.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Select(g => g.First()).ToArray();
    }

    private static (TenantDirectory Directory, Tenant[] Tenants) Build(Scenario s)
    {
        var tenants = new Tenant[s.Trial.Length];
        for (int i = 0; i < tenants.Length; i++)
        {
            tenants[i] = new Tenant
            {
                Id = $"t{i}",
                Kind = s.Trial[i] ? TenantKind.Trial : TenantKind.Paid,
                CreatedBy = TenantCreator.Partner,
                ExternalFrom = s.ExternalFrom[i],
                Domains = s.Claims.Where(c => c.Tenant == i).Select(c => new DomainClaim(c.Name, c.Subdomains)).ToArray(),
                Networks = [IPNetwork.Parse($"10.{i}.0.0/16")],
            };
        }

        var directory = TenantDirectory.Build(tenants, out var errors);
        Assert.Empty(errors);
        return (directory, tenants);
    }

    /// <summary>The naive owner: the longest claim equal to the domain, or covering it as a parent. -1 when external.</summary>
    private static int Owner(Scenario s, string domain)
    {
        domain = domain.ToLowerInvariant();
        Claim? best = null;
        foreach (var claim in s.Claims)
        {
            bool covers = domain == claim.Name || (claim.Subdomains && domain.EndsWith("." + claim.Name, StringComparison.Ordinal));
            if (covers && (best is null || claim.Name.Length > best.Name.Length))
            {
                best = claim;
            }
        }

        return best?.Tenant ?? -1;
    }

    private static byte[] Message(Scenario s)
    {
        var text = new StringBuilder();
        if (s.ResentFrom is not null)
        {
            text.Append("Resent-From: ").Append(s.ResentFrom).Append("\r\n");
        }

        if (s.ResentSender is not null)
        {
            text.Append("Resent-Sender: ").Append(s.ResentSender).Append("\r\n");
        }

        text.Append("From: ").Append(s.From).Append("\r\n");
        if (s.DuplicateFrom)
        {
            text.Append("From: a@d0.example\r\n");
        }

        if (s.Sender is not null)
        {
            text.Append("Sender: ").Append(s.Sender).Append("\r\n");
        }

        text.Append("To: r@rcpt.example\r\nSubject: p\r\n\r\nbody\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static Verdict Evaluate(Scenario s, TenantDirectory directory) =>
        new SenderAuthorization(directory, Blocklist.Empty, PolicyOptions.Default, new FakeTimeProvider(s_now)).Evaluate(new Submission
        {
            ClientIp = IPAddress.Parse($"10.{s.Submitter}.0.9"),
            MailFrom = s.Envelope is null ? "<>" : $"<{s.Envelope}>",
            Recipients = ["<r@rcpt.example>"],
            Message = Message(s),
        }, SubmissionStage.Data);

    /// <summary>Every mailbox a lenient reader (MimeKit, loosest mode) finds in a field: what a receiving MUA may show.</summary>
    private static List<string> LenientDomains(string? value)
    {
        var domains = new List<string>();
        if (value is null)
        {
            return domains;
        }

        var options = ParserOptions.Default.Clone();
        options.AddressParserComplianceMode = RfcComplianceMode.Looser;
        options.AllowAddressesWithoutDomain = true;
        if (InternetAddressList.TryParse(options, value, out var list))
        {
            foreach (var mailbox in list.Mailboxes)
            {
                // MimeKit shows A-labels as Unicode; compare in A-label form.
                string domain = mailbox.Domain.TrimEnd('.');
                domains.Add(Mail.Addresses.DomainName.TryNormalize(domain, out var normalized, out _) ? normalized : domain);
            }
        }

        return domains;
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 2000)]
    public bool A_relayed_message_names_no_other_tenant_in_any_identity(Scenario s)
    {
        var (directory, _) = Build(s);
        var verdict = Evaluate(s, directory);
        if (!verdict.IsRelay)
        {
            return true;
        }

        var identities = new List<string>();
        if (s.Envelope is not null)
        {
            identities.Add(s.Envelope.Split('@')[1]);
        }

        identities.AddRange(LenientDomains(s.From));
        identities.AddRange(LenientDomains(s.Sender));
        identities.AddRange(LenientDomains(s.ResentFrom));
        identities.AddRange(LenientDomains(s.ResentSender));
        return identities.All(domain => Owner(s, domain) is var owner && (owner == s.Submitter || owner == -1));
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 2000)]
    public bool An_external_From_relays_only_as_attributed_forwarding(Scenario s)
    {
        var (directory, tenants) = Build(s);
        var verdict = Evaluate(s, directory);
        bool externalFrom = LenientDomains(s.From).Any(domain => Owner(s, domain) == -1);
        if (!verdict.IsRelay || !externalFrom)
        {
            return true;
        }

        bool envelopeOwned = s.Envelope is not null && Owner(s, s.Envelope.Split('@')[1]) == s.Submitter;
        bool attributed = new[] { s.Sender, s.ResentFrom, s.ResentSender }
            .Any(field => field is not null && LenientDomains(field) is { Count: > 0 } d && d.All(x => Owner(s, x) == s.Submitter));
        return envelopeOwned && attributed && tenants[s.Submitter].AllowsExternalFrom && verdict.Has(RuleIds.FromForwarded);
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 1000)]
    public bool An_ambiguous_identity_field_never_relays(Scenario s)
    {
        var (directory, _) = Build(s);
        var verdict = Evaluate(s, directory);
        bool ambiguous = new (IdentityHeader Header, string? Value)[]
        {
            (IdentityHeader.From, s.From), (IdentityHeader.Sender, s.Sender),
            (IdentityHeader.ResentFrom, s.ResentFrom), (IdentityHeader.ResentSender, s.ResentSender),
        }.Any(f => f.Value is not null && !Read(f.Header, f.Value).IsClear);
        return !ambiguous || !verdict.IsRelay;
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 1000)]
    public bool Another_tenants_From_is_never_relayed_whatever_E_and_S_say(Scenario s)
    {
        var (directory, _) = Build(s);
        bool foreignFrom = LenientDomains(s.From).Any(domain => Owner(s, domain) is var owner && owner >= 0 && owner != s.Submitter);
        return !foreignFrom || !Evaluate(s, directory).IsRelay;
    }

    /// <summary>Guards the properties above against a generator that never reaches the interesting verdicts.</summary>
    [Fact]
    public void Generated_scenarios_reach_relay_forwarding_and_rejection()
    {
        var verdicts = Gen.Sample(Arbitraries.Scenarios().Generator, 3000, 20)
            .Select(s => Evaluate(s, Build(s).Directory)).ToList();
        Assert.True(verdicts.Count(v => v.IsRelay) > 30, $"too few relays: {verdicts.Count(v => v.IsRelay)} of {verdicts.Count}, forwarded {verdicts.Count(v => v.IsRelay && v.Has(RuleIds.FromForwarded))}");
        Assert.True(verdicts.Count(v => v.IsRelay && v.Has(RuleIds.FromForwarded)) > 3, "too few forwarded relays");
        Assert.True(verdicts.Count(v => v.Has(RuleIds.OtherTenant(IdentityHeader.From))) > 30, "too few other-tenant Froms");
        Assert.True(verdicts.Count(v => v.Has(RuleIds.Ambiguous(IdentityHeader.From))) > 30, "too few ambiguous Froms");
    }

    private static AddressField Read(IdentityHeader header, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(" " + value);
        return AddressFieldReader.Read(header, bytes, 0, bytes.Length);
    }
}
