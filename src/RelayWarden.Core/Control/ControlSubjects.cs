using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Control;

/// <summary>How audit subjects are named, the same in the store, the CLI and the docs.</summary>
public static class ControlSubjects
{
    public static string For(SuspensionScope scope, string key) => scope == SuspensionScope.Tenant ? $"tenant:{key}" : $"account:{key}";

    public static string For(BlockKind kind, string value) => $"{kind.ToString().ToLowerInvariant()}:{value}";
}
