using Microsoft.Data.Sqlite;
using RelayWarden.Core.Control;
using static RelayWarden.Storage.Sqlite.Sql;

namespace RelayWarden.Storage.Sqlite;

/// <summary>The directory overlay: operators' tenants, domain claims and networks, audited like every other change.</summary>
public sealed partial class SqliteControlStore
{
    private const string ClaimColumns = "domain, tenant, token, state, at, by, checked_at, check_result, override_by, override_why, decided_at";

    private static void CreateDirectoryTables(SqliteConnection connection) => Execute(connection, null, """
        CREATE TABLE IF NOT EXISTS overlay_tenants (id TEXT PRIMARY KEY, name TEXT, at INTEGER NOT NULL, by TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS domain_claims (
          domain TEXT PRIMARY KEY, tenant TEXT NOT NULL, token TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL, by TEXT NOT NULL,
          checked_at INTEGER, check_result TEXT, override_by TEXT, override_why TEXT, decided_at INTEGER);
        CREATE TABLE IF NOT EXISTS overlay_networks (network TEXT PRIMARY KEY, tenant TEXT NOT NULL, at INTEGER NOT NULL, by TEXT NOT NULL, why TEXT);
        """);

    public IReadOnlyList<StoredTenant> StoredTenants() => Read("SELECT id, name, at, by FROM overlay_tenants ORDER BY id", [],
        reader => new StoredTenant(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), Time(reader, 2)!.Value, reader.GetString(3)));

    public bool AddTenant(StoredTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return Change(transaction =>
        {
            if (Execute(_connection, transaction, "INSERT OR IGNORE INTO overlay_tenants VALUES ($a, $b, $c, $d)",
                tenant.Id, tenant.Name, tenant.CreatedAt.ToUnixTimeMilliseconds(), tenant.CreatedBy) == 0)
            {
                return false;
            }

            Audit(transaction, tenant.CreatedAt, tenant.CreatedBy, "tenant.add", ControlSubjects.Tenant(tenant.Id), tenant.Name);
            return true;
        });
    }

    public IReadOnlyList<StoredDomainClaim> DomainClaims() => Read($"SELECT {ClaimColumns} FROM domain_claims ORDER BY domain", [], ReadClaim);

    public StoredDomainClaim? FindDomainClaim(string domain)
    {
        var found = Read($"SELECT {ClaimColumns} FROM domain_claims WHERE domain = $a", [domain], ReadClaim);
        return found.Count == 0 ? null : found[0];
    }

    public bool AddDomainClaim(StoredDomainClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return Change(transaction =>
        {
            if (Execute(_connection, transaction, "INSERT OR IGNORE INTO domain_claims (domain, tenant, token, state, at, by) VALUES ($a, $b, $c, $d, $e, $f)",
                claim.Domain, claim.Tenant, claim.Token, State(claim.State), claim.ClaimedAt.ToUnixTimeMilliseconds(), claim.ClaimedBy) == 0)
            {
                return false;
            }

            Audit(transaction, claim.ClaimedAt, claim.ClaimedBy, "domain.claim", ControlSubjects.Domain(claim.Domain), $"for tenant '{claim.Tenant}'");
            return true;
        });
    }

    public bool RecordDomainCheck(string domain, string token, ClaimState state, DateTimeOffset at, string result, string by, string action, bool audit)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            var current = Read($"SELECT {ClaimColumns} FROM domain_claims WHERE domain = $a AND token = $b", [domain, token], ReadClaim, transaction);
            if (current.Count == 0 || current[0].Grants)
            {
                transaction.Rollback();
                return false;
            }

            bool changed = current[0].State != state;
            Execute(_connection, transaction, "UPDATE domain_claims SET state = $a, checked_at = $b, check_result = $c, decided_at = $d WHERE domain = $e",
                State(state), at.ToUnixTimeMilliseconds(), result, state is ClaimState.Verified or ClaimState.Overridden ? at.ToUnixTimeMilliseconds() : null, domain);
            if (changed || audit)
            {
                Audit(transaction, at, by, action, ControlSubjects.Domain(domain), result);
            }

            if (changed)
            {
                Execute(_connection, transaction, "UPDATE meta SET changes = changes + 1 WHERE id = 1");
            }

            transaction.Commit();
            return true;
        }
    }

    public bool OverrideDomainClaim(string domain, string by, DateTimeOffset at, string why) => Change(transaction =>
    {
        if (Execute(_connection, transaction,
            "UPDATE domain_claims SET state = $a, override_by = $b, override_why = $c, decided_at = $d WHERE domain = $e AND state IN ('pending', 'failed')",
            State(ClaimState.Overridden), by, why, at.ToUnixTimeMilliseconds(), domain) == 0)
        {
            return false;
        }

        Audit(transaction, at, by, "domain.override", ControlSubjects.Domain(domain), why);
        return true;
    });

    public bool RemoveDomainClaim(string domain, string by, DateTimeOffset at, string? why) => Change(transaction =>
    {
        if (Execute(_connection, transaction, "DELETE FROM domain_claims WHERE domain = $a", domain) == 0)
        {
            return false;
        }

        Audit(transaction, at, by, "domain.unclaim", ControlSubjects.Domain(domain), why);
        return true;
    });

    public IReadOnlyList<StoredNetwork> StoredNetworks() => Read("SELECT network, tenant, at, by, why FROM overlay_networks ORDER BY tenant, network", [],
        reader => new StoredNetwork(reader.GetString(0), reader.GetString(1), Time(reader, 2)!.Value, reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));

    public bool AddNetwork(StoredNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Change(transaction =>
        {
            if (Execute(_connection, transaction, "INSERT OR IGNORE INTO overlay_networks VALUES ($a, $b, $c, $d, $e)",
                network.Network, network.Tenant, network.AddedAt.ToUnixTimeMilliseconds(), network.AddedBy, network.Why) == 0)
            {
                return false;
            }

            Audit(transaction, network.AddedAt, network.AddedBy, "network.add", ControlSubjects.Network(network.Network),
                network.Why is { Length: > 0 } why ? $"for tenant '{network.Tenant}': {why}" : $"for tenant '{network.Tenant}'");
            return true;
        });
    }

    public bool RemoveNetwork(string network, string by, DateTimeOffset at, string? why) => Change(transaction =>
    {
        if (Execute(_connection, transaction, "DELETE FROM overlay_networks WHERE network = $a", network) == 0)
        {
            return false;
        }

        Audit(transaction, at, by, "network.remove", ControlSubjects.Network(network), why);
        return true;
    });

    private static StoredDomainClaim ReadClaim(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), Enum.Parse<ClaimState>(reader.GetString(3), ignoreCase: true), Time(reader, 4)!.Value, reader.GetString(5))
        {
            CheckedAt = Time(reader, 6),
            CheckResult = reader.IsDBNull(7) ? null : reader.GetString(7),
            OverrideBy = reader.IsDBNull(8) ? null : reader.GetString(8),
            OverrideWhy = reader.IsDBNull(9) ? null : reader.GetString(9),
            DecidedAt = Time(reader, 10),
        };

    private static string State(ClaimState state) => state.ToString().ToLowerInvariant();

    private List<T> Read<T>(string sql, object?[] values, Func<SqliteDataReader, T> map, SqliteTransaction? transaction = null)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
#pragma warning disable CA2100 // Constant SQL; values are parameters.
            command.CommandText = sql;
#pragma warning restore CA2100
            Bind(command, values);
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(map(reader));
            }

            return rows;
        }
    }
}
