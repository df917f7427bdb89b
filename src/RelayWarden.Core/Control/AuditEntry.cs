namespace RelayWarden.Core.Control;

/// <summary>One recorded change of the control state: who did what to which subject, when and why.</summary>
/// <remarks>
/// Action: <c>account.suspend</c>, <c>account.resume</c>, <c>block.add</c>, <c>block.remove</c>. Subject:
/// <c>account:alice</c>, <c>tenant:acme</c>, <c>ip:192.0.2.0/24</c>, ... (<see cref="ControlSubjects"/>).
/// </remarks>
public sealed record AuditEntry(long Id, DateTimeOffset At, string By, string Action, string Subject, string? Why);
