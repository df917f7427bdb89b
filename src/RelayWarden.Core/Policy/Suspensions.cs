using RelayWarden.Core.Control;

namespace RelayWarden.Core.Policy;

/// <summary>
/// The suspended accounts and tenants, an input of the engine like the <see cref="Blocklist"/>.
/// Immutable; a new snapshot replaces it when the control store changes.
/// </summary>
public sealed class Suspensions
{
    private readonly Dictionary<string, Suspension> _accounts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Suspension> _tenants = new(StringComparer.Ordinal);

    public Suspensions(IEnumerable<Suspension> suspensions)
    {
        ArgumentNullException.ThrowIfNull(suspensions);
        foreach (var suspension in suspensions)
        {
            (suspension.Scope == SuspensionScope.Tenant ? _tenants : _accounts)[suspension.Key] = suspension;
        }
    }

    public static Suspensions None { get; } = new([]);

    public bool IsEmpty => _accounts.Count == 0 && _tenants.Count == 0;

    public int Count => _accounts.Count + _tenants.Count;

    public Suspension? Find(SuspensionScope scope, string key) =>
        (scope == SuspensionScope.Tenant ? _tenants : _accounts).GetValueOrDefault(key);
}
