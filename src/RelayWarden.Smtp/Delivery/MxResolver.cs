using DnsClient;
using DnsClient.Protocol;

namespace RelayWarden.Smtp.Delivery;

/// <summary>MX lookup for direct delivery (RFC 5321 5.1): MX hosts by preference, else the domain itself (implicit MX).</summary>
public sealed class MxResolver
{
    private readonly LookupClient _dns = new(new LookupClientOptions { UseCache = true, Timeout = TimeSpan.FromSeconds(10), Retries = 2 });

    public async Task<IReadOnlyList<(string Host, int Port)>> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        var answer = await _dns.QueryAsync(domain, QueryType.MX, cancellationToken: cancellationToken).ConfigureAwait(false);
        var mx = answer.Answers.OfType<MxRecord>().OrderBy(r => r.Preference).ToList();
        if (mx.Count == 1 && mx[0].Exchange.Value is "." or "")
        {
            return []; // RFC 7505 null MX: the domain accepts no mail.
        }

        if (mx.Count == 0)
        {
            return [(domain, 25)];
        }

        return [.. mx.Select(r => (r.Exchange.Value.TrimEnd('.'), 25))];
    }
}
