namespace RelayWarden.LogHunt.Records;

/// <summary>
/// The lines of one queued message joined by queue id: who submitted it (client, SASL login), the
/// envelope, the Message-ID, size, and every recipient's delivery result; Subject and From where the
/// MTA logged them (Postfix <c>header_checks</c> WARN, Exim <c>T=</c>).
/// </summary>
public sealed class MailRecord
{
    public required string Host { get; init; }

    public required string QueueId { get; init; }

    public DateTimeOffset FirstTime { get; set; }

    public DateTimeOffset LastTime { get; set; }

    public string? ClientName { get; set; }

    public string? ClientIp { get; set; }

    /// <summary>The SASL login (Postfix <c>sasl_username=</c>, Exim <c>A=authenticator:login</c>); null when unauthenticated.</summary>
    public string? Login { get; set; }

    /// <summary>Local submission (Postfix pickup <c>uid=</c>).</summary>
    public string? LocalUid { get; set; }

    /// <summary>The envelope sender; empty for the null sender, null when not logged.</summary>
    public string? Sender { get; set; }

    public string? MessageId { get; set; }

    public long Size { get; set; } = -1;

    /// <summary>Postfix <c>nrcpt=</c>; -1 when not logged.</summary>
    public int RecipientCount { get; set; } = -1;

    public List<RecipientRecord> Recipients { get; } = [];

    /// <summary>Recipients refused at RCPT time in this message's session (SMTP-level rejects).</summary>
    public int RejectedRecipients { get; set; }

    public string? Subject { get; set; }

    public string? FromHeader { get; set; }

    /// <summary>True once the record was handed to the sink as accepted (its recipients are known).</summary>
    public bool Accepted { get; set; }

    /// <summary>True when the record left memory without a <c>removed</c>/<c>Completed</c> line (too old).</summary>
    public bool Evicted { get; set; }

    /// <summary>The account key the hunter uses: the SASL login, <c>uid:N</c> for local submission, else null.</summary>
    public string? Account => Login ?? (LocalUid is null ? null : "uid:" + LocalUid);

    public RecipientRecord? Find(string address)
    {
        foreach (var recipient in Recipients)
        {
            if (string.Equals(recipient.Address, address, StringComparison.Ordinal))
            {
                return recipient;
            }
        }

        return null;
    }

    public int CountStatus(DeliveryStatus status)
    {
        int n = 0;
        foreach (var recipient in Recipients)
        {
            if (recipient.Status == status)
            {
                n++;
            }
        }

        return n;
    }
}
