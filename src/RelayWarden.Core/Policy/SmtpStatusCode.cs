namespace RelayWarden.Core.Policy;

/// <summary>The SMTP reply codes RelayWarden answers with (RFC 5321 4.2), named.</summary>
public enum SmtpStatusCode
{
    Ok = 250,
    LocalErrorInProcessing = 451,
    InsufficientStorage = 452,
    TemporaryAuthFailure = 454,
    MailboxUnavailable = 550,
    MailboxNameNotAllowed = 553,
    TransactionFailed = 554,
}
