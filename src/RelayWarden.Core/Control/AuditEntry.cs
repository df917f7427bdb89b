namespace RelayWarden.Core.Control;

/// <summary>One recorded change of the control state: who did what to which subject, when and why.</summary>
/// <remarks>
/// Action: <c>account.suspend</c>, <c>account.resume</c>, <c>block.add</c>, <c>block.remove</c>, <c>tenant.add</c>,
/// <c>domain.claim</c>, <c>domain.verify</c>, <c>domain.verify-failed</c>, <c>domain.verify-error</c>, <c>domain.override</c>,
/// <c>domain.unclaim</c>, <c>network.add</c>, <c>network.remove</c>. Subject: <c>account:alice</c>, <c>tenant:acme</c>,
/// <c>ip:192.0.2.0/24</c>, <c>domain:shop.example</c>, <c>network:203.0.113.0/24</c>, ... (<see cref="ControlSubjects"/>).
/// </remarks>
public sealed record AuditEntry(long Id, DateTimeOffset At, string By, string Action, string Subject, string? Why);
