using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Control;

/// <summary>
/// The operator-controlled state that outlives a restart: suspensions, blocklist entries, the audit
/// trail of every change, and alerts with their evidence. Written by the CLI and by the host (the
/// monitor's suspend action), read by the host, which polls <see cref="ChangeCounter"/> to pick up
/// changes made by another process. Every change is audited in the same transaction. The directory
/// overlay (operators' tenants, domain claims and networks) is in <see cref="IDirectoryOverlayStore"/>.
/// </summary>
public interface IControlStore : IDirectoryOverlayStore, IDisposable
{
    /// <summary>A number that grows with every committed change (by any process).</summary>
    long ChangeCounter();

    IReadOnlyList<Suspension> Suspensions();

    Suspension? FindSuspension(SuspensionScope scope, string key);

    /// <summary>Suspends; false when already suspended (nothing changes, nothing is audited).</summary>
    bool Suspend(Suspension suspension);

    /// <summary>Lifts a suspension; false when there was none.</summary>
    bool Resume(SuspensionScope scope, string key, string by, DateTimeOffset at, string? why);

    IReadOnlyList<BlockEntry> Blocks();

    /// <summary>Adds or replaces the entry of the same kind and value.</summary>
    void AddBlock(BlockEntry entry);

    /// <summary>Removes an entry; false when there was none.</summary>
    bool RemoveBlock(BlockKind kind, string value, string by, DateTimeOffset at, string? why);

    /// <summary>The latest changes of a subject (<c>account:KEY</c>, <c>tenant:ID</c>, <c>KIND:VALUE</c>), newest first; every subject when null.</summary>
    IReadOnlyList<AuditEntry> History(string? subject, int limit);

    /// <summary>Stores an alert; returns its id.</summary>
    long AddAlert(StoredAlert alert);

    /// <summary>The latest alerts of a key, newest first; every key when null.</summary>
    IReadOnlyList<StoredAlert> Alerts(string? key, int limit);
}
