using System.Net;

namespace RelayWarden.Hosting.Configuration;

/// <summary>
/// <c>domain_claims:</c> — how a tenant proves a domain it claims at run time: a TXT record
/// <c>VERIFY_LABEL.DOMAIN</c> holding <c>relaywarden-verify=TOKEN</c>. Until then mail from the domain
/// is refused as from an unknown domain, so a tenant cannot send as a domain it does not control.
/// </summary>
public sealed record DomainClaimOptions
{
    /// <summary>The fixed prefix of the TXT value; the token follows it.</summary>
    public const string TxtPrefix = "relaywarden-verify=";

    /// <summary><c>domain_claims.verify_label</c>: the label(s) put before the domain. Default <c>_relaywarden</c>.</summary>
    public string VerifyLabel { get; init; } = "_relaywarden";

    /// <summary><c>domain_claims.dns_servers</c>: resolvers asked (<c>ADDRESS</c> or <c>ADDRESS:PORT</c>). Default: the system's.</summary>
    public IReadOnlyList<IPEndPoint> DnsServers { get; init; } = [];

    /// <summary><c>domain_claims.dns_timeout</c>: per query, one retry. Default 5s.</summary>
    public TimeSpan DnsTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>domain_claims.recheck_interval</c>: how often pending and failed claims are checked again by the host; <c>off</c> for never. Default 10m.</summary>
    public TimeSpan? RecheckInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The name to publish the TXT record at.</summary>
    public string RecordName(string domain) => $"{VerifyLabel}.{domain}";

    /// <summary>The TXT value proving <paramref name="token"/>.</summary>
    public static string RecordValue(string token) => TxtPrefix + token;
}
