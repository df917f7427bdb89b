using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Control;

/// <summary>How audit subjects are named, the same in the store, the CLI and the docs.</summary>
public static class ControlSubjects
{
    public static string For(SuspensionScope scope, string key) => scope == SuspensionScope.Tenant ? $"tenant:{key}" : $"account:{key}";

    public static string For(BlockKind kind, string value) => $"{kind.ToString().ToLowerInvariant()}:{value}";

    /// <summary><c>tenant:ID</c>, as for a tenant's suspension.</summary>
    public static string Tenant(string id) => $"tenant:{id}";

    /// <summary><c>domain:NAME</c>: a domain claim.</summary>
    public static string Domain(string name) => $"domain:{name}";

    /// <summary><c>network:CIDR</c>: a tenant's network added at run time.</summary>
    public static string Network(string cidr) => $"network:{cidr}";
}
