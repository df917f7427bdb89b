using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Tracing;

/// <summary>What to look for: any given criterion must hold (they combine with "and"), within the time window.</summary>
public sealed record TraceQuery
{
    /// <summary>The Message-ID, with or without angle brackets.</summary>
    public string? MessageId { get; init; }

    public string? Recipient { get; init; }

    /// <summary>The envelope sender, or the From header where logged.</summary>
    public string? Sender { get; init; }

    /// <summary>A case-insensitive substring of the Subject (only where the MTA logs it).</summary>
    public string? Subject { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public bool IsEmpty => MessageId is null && Recipient is null && Sender is null && Subject is null;

    public bool Matches(MailRecord record)
    {
        if ((Since is { } since && record.LastTime < since) || (Until is { } until && record.FirstTime > until))
        {
            return false;
        }

        if (MessageId is { } id && !string.Equals(record.MessageId, id.Trim('<', '>'), StringComparison.Ordinal))
        {
            return false;
        }

        if (Recipient is { } recipient && !record.Recipients.Any(r => string.Equals(r.Address, recipient, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        if (Sender is { } sender && !string.Equals(record.Sender, sender, StringComparison.OrdinalIgnoreCase) &&
            record.FromHeader?.Contains(sender, StringComparison.OrdinalIgnoreCase) != true)
        {
            return false;
        }

        return Subject is not { } subject || record.Subject?.Contains(subject, StringComparison.OrdinalIgnoreCase) == true;
    }

    /// <summary>An SMTP-level reject matches on recipient, sender and time only.</summary>
    public bool Matches(SmtpReject reject) =>
        MessageId is null && Subject is null &&
        (Since is not { } since || reject.Time >= since) && (Until is not { } until || reject.Time <= until) &&
        (Recipient is null || string.Equals(reject.Recipient, Recipient, StringComparison.OrdinalIgnoreCase)) &&
        (Sender is null || string.Equals(reject.Sender, Sender, StringComparison.OrdinalIgnoreCase));
}
