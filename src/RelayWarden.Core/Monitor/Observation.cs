namespace RelayWarden.Core.Monitor;

/// <summary>
/// One accepted-for-evaluation message as a front door saw it: who sent it, when (event time), and to
/// whom. Recipients are normalized addresses (<c>local@domain</c>, domain lower-case A-label); only
/// metadata, never a body.
/// </summary>
public sealed class Observation
{
    /// <summary>Event time: the front door's clock at RCPT/DATA, or the log line's time in a replay.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The account key: SASL login, or <see cref="AccountKey.ForIp"/> when mail arrives by IP.</summary>
    public required string Account { get; init; }

    public string? Tenant { get; init; }

    public string? ClientIp { get; init; }

    /// <summary>The envelope sender address; null or empty for the null sender <c>&lt;&gt;</c>.</summary>
    public string? EnvelopeSender { get; init; }

    /// <summary>Recipient addresses as accepted at RCPT (normalized).</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];

    /// <summary>Recipients the front door refused at RCPT time (unknown user, policy); they count as refused.</summary>
    public int RefusedRecipients { get; init; }

    /// <summary>When the account (or its tenant) was created, from the directory; null when unknown (first-seen is used).</summary>
    public DateTimeOffset? AccountCreatedAt { get; init; }

    public string? MessageId { get; init; }

    /// <summary>A hash of the subject (never the subject itself), for alert evidence.</summary>
    public string? SubjectHash { get; init; }

    /// <summary>The subject's hash as every front door writes it (16 hex digits): equal subjects, equal hashes; never reversible to the text.</summary>
    public static string HashSubject(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return MonitorHash.Of(subject.Trim()).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsNullSender => string.IsNullOrEmpty(EnvelopeSender) || EnvelopeSender == "<>";
}
