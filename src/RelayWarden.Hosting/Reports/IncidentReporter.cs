using RelayWarden.Core.Directory;
using RelayWarden.Core.Records;

namespace RelayWarden.Hosting.Reports;

/// <summary>
/// Builds incident impact reports from the decision records, mapping each domain used in E, F or S to
/// its owner tenant with the current directory (not in SQL: ownership follows the live configuration,
/// parent claims included).
/// </summary>
public sealed class IncidentReporter
{
    private readonly IDecisionStore _records;
    private readonly Func<TenantDirectory> _directory;

    public IncidentReporter(IDecisionStore records, Func<TenantDirectory> directory)
    {
        _records = records;
        _directory = directory;
    }

    /// <summary>Builds the report; <see cref="ArgumentException"/> when the query is not valid (see <see cref="IncidentQuery.TryGetFilter"/>).</summary>
    public async Task<IncidentReport> BuildAsync(IncidentQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!query.TryGetFilter(out var filter, out var errors))
        {
            throw new ArgumentException("bad incident query: " + string.Join("; ", errors), nameof(query));
        }

        var directory = _directory();
        var total = new Tally();
        var submitters = new Dictionary<(string?, string?, string?), Tally>();
        var owners = new Dictionary<string, (string? Owner, SortedSet<string> Domains, Tally Tally)>(StringComparer.Ordinal);
        var ownerCache = new Dictionary<string, string?>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var record in _records.SummariesAsync(filter, cancellationToken).ConfigureAwait(false))
        {
            total.Add(record);
            var submitter = (record.Tenant, record.Account, record.ClientIp);
            if (!submitters.TryGetValue(submitter, out var tally))
            {
                submitters[submitter] = tally = new Tally();
            }

            tally.Add(record);
            keys.Clear();
            foreach (var (address, domain) in (ReadOnlySpan<(string?, string?)>)[(record.MailFromAddress, record.MailFromDomain),
                (record.FromAddress, record.FromDomain), (record.SenderAddress, record.SenderDomain)])
            {
                if (domain is null || (filter.Identity is { } spoofed && !RecordKeys.Matches(spoofed, address, domain)))
                {
                    continue;
                }

                if (!ownerCache.TryGetValue(domain, out string? owner))
                {
                    ownerCache[domain] = owner = directory.FindOwner(domain)?.Tenant.Id;
                }

                if (owner is not null && string.Equals(owner, record.Tenant, StringComparison.Ordinal))
                {
                    continue; // the tenant's own domain: its own mail, not a spoof.
                }

                string key = owner is null ? "domain:" + domain : "tenant:" + owner;
                if (!owners.TryGetValue(key, out var group))
                {
                    owners[key] = group = (owner, new SortedSet<string>(StringComparer.Ordinal), new Tally());
                }

                group.Domains.Add(domain);
                if (keys.Add(key))
                {
                    group.Tally.Add(record);
                }
            }
        }

        return new IncidentReport(
            query,
            total.ToCounts(),
            [.. submitters.Select(s => new IncidentSubmitter(s.Key.Item1, s.Key.Item2, s.Key.Item3, s.Value.ToCounts()))
                .OrderByDescending(s => s.Counts.Messages).ThenBy(s => s.Tenant, StringComparer.Ordinal)
                .ThenBy(s => s.Account, StringComparer.Ordinal).ThenBy(s => s.ClientIp, StringComparer.Ordinal)],
            [.. owners.Values.Select(o => new IncidentVictim(o.Owner, [.. o.Domains], o.Tally.ToCounts()))
                .OrderByDescending(v => v.Counts.Messages).ThenBy(v => v.OwnerTenant ?? "\uffff", StringComparer.Ordinal)
                .ThenBy(v => v.Domains[0], StringComparer.Ordinal)]);
    }

    /// <summary>Running totals of one group.</summary>
    private sealed class Tally
    {
        private readonly HashSet<string> _domains = new(StringComparer.Ordinal);
        private long _accepted, _held, _refused, _recipients, _refusedRecipients;
        private DateTimeOffset? _first, _last;

        public void Add(DecisionSummary record)
        {
            if (record.Accepted)
            {
                _accepted++;
                _held += record.Action == Core.Policy.VerdictAction.Hold ? 1 : 0;
                _recipients += record.RecipientCount;
            }
            else
            {
                _refused++;
                _refusedRecipients += record.RecipientCount;
            }

            foreach (string domain in record.RecipientDomains)
            {
                _domains.Add(domain);
            }

            _first = _first is { } first && first <= record.Time ? first : record.Time;
            _last = _last is { } last && last >= record.Time ? last : record.Time;
        }

        public IncidentCounts ToCounts() => new()
        {
            Accepted = _accepted,
            Held = _held,
            Refused = _refused,
            Recipients = _recipients,
            RefusedRecipients = _refusedRecipients,
            RecipientDomains = _domains.Count,
            FirstSeen = _first,
            LastSeen = _last,
        };
    }
}
