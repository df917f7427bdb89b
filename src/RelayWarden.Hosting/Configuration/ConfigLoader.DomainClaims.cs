using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace RelayWarden.Hosting.Configuration;

/// <summary>The <c>domain_claims:</c> section: DNS TXT verification of domains claimed at run time.</summary>
public static partial class ConfigLoader
{
    [GeneratedRegex("^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")]
    private static partial Regex DnsLabelPattern();

    /// <summary>True when <paramref name="id"/> is a tenant id: lower-case letters, digits and '-', at most 63, as in <c>tenants[].id</c>.</summary>
    public static bool IsTenantId(string id) => TenantIdPattern().IsMatch(id ?? string.Empty);

    private static DomainClaimOptions ReadDomainClaims(YamlNodes nodes, YamlNode? node)
    {
        var defaults = new DomainClaimOptions();
        if (nodes.Mapping(node, "domain_claims") is not { } map)
        {
            return defaults;
        }

        nodes.CheckKeys(map, "domain_claims", "verify_label", "dns_servers", "dns_timeout", "recheck_interval");
        string label = defaults.VerifyLabel;
        var labelNode = YamlNodes.Get(map, "verify_label");
        if (nodes.String(labelNode, "domain_claims.verify_label") is { } text)
        {
            text = text.Trim().TrimEnd('.');
            if (text.Length is 0 or > 128 || !text.Split('.').All(l => DnsLabelPattern().IsMatch(l)))
            {
                nodes.Error("domain_claims.verify_label", $"'{text}' is not a DNS label (letters, digits, '_' and '-', at most 63 per label, for example _relaywarden)", labelNode);
            }
            else
            {
                label = text.ToLowerInvariant();
            }
        }

        var servers = new List<IPEndPoint>();
        foreach (var (value, item) in nodes.Strings(YamlNodes.Get(map, "dns_servers"), "domain_claims.dns_servers"))
        {
            if (TryParseNameServer(value.Trim(), out var endpoint))
            {
                servers.Add(endpoint);
            }
            else
            {
                nodes.Error("domain_claims.dns_servers", $"'{value}' is not ADDRESS or ADDRESS:PORT (127.0.0.1, 127.0.0.1:5353, [::1]:53)", item);
            }
        }

        TimeSpan? recheck = defaults.RecheckInterval;
        var recheckNode = YamlNodes.Get(map, "recheck_interval");
        if (recheckNode is YamlScalarNode { Value: "off" })
        {
            recheck = null;
        }
        else if (recheckNode is not null)
        {
            recheck = Duration(nodes, recheckNode, "domain_claims.recheck_interval", TimeSpan.FromSeconds(1), TimeSpan.FromDays(7)) ?? defaults.RecheckInterval;
        }

        return new DomainClaimOptions
        {
            VerifyLabel = label,
            DnsServers = servers,
            DnsTimeout = Duration(nodes, YamlNodes.Get(map, "dns_timeout"), "domain_claims.dns_timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)) ?? defaults.DnsTimeout,
            RecheckInterval = recheck,
        };
    }

    private static bool TryParseNameServer(string text, out IPEndPoint endpoint)
    {
        if (IPAddress.TryParse(text, out var address) && !text.StartsWith('['))
        {
            endpoint = new IPEndPoint(address, 53);
            return true;
        }

        if (IPEndPoint.TryParse(text, out endpoint!) && endpoint.Port > 0 &&
            (text.Contains("]:", StringComparison.Ordinal) || (!text.Contains('[', StringComparison.Ordinal) && text.Count(c => c == ':') == 1)))
        {
            return true;
        }

        endpoint = null!;
        return false;
    }
}
