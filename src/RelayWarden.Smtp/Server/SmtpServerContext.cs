using System.Security.Cryptography.X509Certificates;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Smtp.Spool;

namespace RelayWarden.Smtp.Server;

/// <summary>What every session of a listener shares: the engine, the spool, the records, limits and TLS.</summary>
public sealed class SmtpServerContext
{
    public required string Hostname { get; init; }

    /// <summary>The current engine (a new one replaces it when the blocklist or the suspensions change).</summary>
    public required Func<SenderAuthorization> Engine { get; init; }

    /// <summary>The shared behavior monitor, asked at end of DATA; null when off.</summary>
    public IMonitorGate? Monitor { get; init; }

    public required MessageSpool Spool { get; init; }

    public IDecisionStore? Records { get; init; }

    public required RelayLog Log { get; init; }

    public SmtpLimits Limits { get; init; } = new();

    /// <summary>The STARTTLS certificate; null disables STARTTLS.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary><c>listen.smtp_auth_without_tls</c>: AUTH before STARTTLS, honoured on loopback listeners only.</summary>
    public bool AuthWithoutTls { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    private DataMemoryBudget? _dataMemory;

    /// <summary>The listener's budget of message data in memory (<see cref="SmtpLimits.MaxDataMemoryBytes"/>), shared by its sessions.</summary>
    public DataMemoryBudget DataMemory => LazyInitializer.EnsureInitialized(ref _dataMemory, () => new DataMemoryBudget(Limits.MaxDataMemoryBytes));
}
