using RelayWarden.Core.Records;

namespace RelayWarden.Hosting.Reports;

/// <summary>
/// What an incident report covers: a spoofed domain or address (matched against MAIL FROM, From and
/// Sender), and/or a submitting tenant or account, within [<see cref="Since"/>, <see cref="Until"/>).
/// At least one of the three subjects is required.
/// </summary>
public sealed record IncidentQuery
{
    /// <summary>A domain (<c>victim.example</c>, <c>@victim.example</c>) or one address; <c>&lt;&gt;</c> matches the null sender.</summary>
    public string? Spoofed { get; init; }

    public string? Tenant { get; init; }

    public string? Account { get; init; }

    public required DateTimeOffset Since { get; init; }

    public required DateTimeOffset Until { get; init; }

    /// <summary>The decision filter of this report, normalized; on failure, one line per bad field.</summary>
    public bool TryGetFilter(out DecisionQuery filter, out IReadOnlyList<string> errors)
    {
        var query = new DecisionQuery
        {
            Identity = string.IsNullOrWhiteSpace(Spoofed) ? null : Spoofed,
            Tenant = string.IsNullOrWhiteSpace(Tenant) ? null : Tenant,
            Account = string.IsNullOrWhiteSpace(Account) ? null : Account,
            Since = Since,
            Until = Until,
        };
        bool ok = query.TryNormalize(out filter, out errors);
        if (filter.Identity is null && filter.Tenant is null && filter.Account is null)
        {
            errors = [.. errors, "give a spoofed domain or address, a tenant or an account"];
            ok = false;
        }

        return ok;
    }
}
