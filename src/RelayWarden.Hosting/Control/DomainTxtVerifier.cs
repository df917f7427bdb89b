using DnsClient;
using DnsClient.Protocol;
using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Hosting.Control;

/// <summary>
/// Looks up a claim's TXT record (<c>VERIFY_LABEL.DOMAIN</c>) with DnsClient, on the configured
/// resolvers, without a cache (an operator who just published the record must see it at once).
/// A record proves the claim when its strings, joined, are exactly <c>relaywarden-verify=TOKEN</c>.
/// </summary>
public sealed class DomainTxtVerifier
{
    private readonly DomainClaimOptions _options;
    private readonly Lazy<LookupClient> _dns;

    public DomainTxtVerifier(DomainClaimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        // Built on first use: finding the system's resolvers must never stop the host from starting.
        _dns = new Lazy<LookupClient>(() =>
        {
            var lookup = options.DnsServers.Count == 0 ? new LookupClientOptions() : new LookupClientOptions([.. options.DnsServers]);
            lookup.UseCache = false;
            lookup.Timeout = options.DnsTimeout;
            lookup.Retries = 1;
            lookup.ThrowDnsErrors = false;
            lookup.UseTcpFallback = true;
            return new LookupClient(lookup);
        });
    }

    public DomainClaimOptions Options => _options;

    /// <summary>Checks the record of <paramref name="domain"/> for <paramref name="token"/>. Never throws for DNS trouble: that is an <see cref="DomainCheckOutcome.Error"/>.</summary>
    public async Task<DomainCheck> CheckAsync(string domain, string token, CancellationToken cancellationToken)
    {
        string name = _options.RecordName(domain);
        string expected = DomainClaimOptions.RecordValue(token);
        IDnsQueryResponse response;
        try
        {
            response = await _dns.Value.QueryAsync(name, QueryType.TXT, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any failure of the lookup (timeout, no resolver, a DnsClient bug) concludes nothing about the claim.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new DomainCheck(DomainCheckOutcome.Error, $"DNS error looking up TXT {name}: {exception.Message}");
        }

        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return new DomainCheck(DomainCheckOutcome.Missing, $"no TXT record at {name} (NXDOMAIN); publish \"{expected}\"");
        }

        if (response.HasError)
        {
            return new DomainCheck(DomainCheckOutcome.Error, $"DNS error looking up TXT {name}: {response.ErrorMessage}");
        }

        var values = response.Answers.TxtRecords()
            .Where(r => r.DomainName.Value.TrimEnd('.').Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(r => string.Concat(r.Text).Trim())
            .ToList();
        if (values.Any(v => v.Equals(expected, StringComparison.OrdinalIgnoreCase)))
        {
            return new DomainCheck(DomainCheckOutcome.Found, $"TXT {name} holds \"{expected}\"");
        }

        if (values.Count == 0)
        {
            return new DomainCheck(DomainCheckOutcome.Missing, $"no TXT record at {name}; publish \"{expected}\"");
        }

        var seen = values.Take(3).Select(v => '"' + Printable(v) + '"');
        return new DomainCheck(DomainCheckOutcome.Missing,
            $"TXT {name} does not hold \"{expected}\" (found {string.Join(", ", seen)}{(values.Count > 3 ? ", ..." : string.Empty)})");
    }

    /// <summary>At most 80 characters, control characters shown as '?': the value comes from whoever controls the zone.</summary>
    private static string Printable(string value)
    {
        var text = new string([.. value.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
        return value.Length > 80 ? text + "..." : text;
    }
}
