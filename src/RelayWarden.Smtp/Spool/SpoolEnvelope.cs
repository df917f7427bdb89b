namespace RelayWarden.Smtp.Spool;

/// <summary>The envelope of a spooled message, written in the same file as its content (one atomic rename).</summary>
public sealed record SpoolEnvelope
{
    public required string Id { get; init; }

    /// <summary>The reverse path without brackets; empty for the null sender.</summary>
    public required string MailFrom { get; init; }

    public required IReadOnlyList<string> Recipients { get; init; }

    public required DateTimeOffset Received { get; init; }

    public string? Tenant { get; init; }

    public string? ClientIp { get; init; }

    /// <summary>The monitor's account key of the submitter (SASL login, or <c>tenant/ip</c>); delivery refusals count against it.</summary>
    public string? Account { get; init; }

    /// <summary>True for a DSN generated here (never bounced again).</summary>
    public bool IsDsn { get; init; }
}

/// <summary>Delivery progress of a spooled message, rewritten atomically after each attempt.</summary>
public sealed record SpoolState
{
    public int Attempts { get; init; }

    public DateTimeOffset NextAttempt { get; init; }

    /// <summary>Recipients finished (delivered or failed for good).</summary>
    public IReadOnlyList<string> Done { get; init; } = [];

    /// <summary>Recipients that failed for good, with the reply, waiting for the DSN.</summary>
    public IReadOnlyList<FailedRecipient> Failed { get; init; } = [];

    /// <summary>The last temporary error.</summary>
    public string? LastError { get; init; }
}

/// <summary>A recipient that failed for good.</summary>
public sealed record FailedRecipient(string Recipient, string Status, string Diagnostic);
