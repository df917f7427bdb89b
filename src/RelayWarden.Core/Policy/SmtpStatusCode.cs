namespace RelayWarden.Core.Policy;

/// <summary>The SMTP reply codes RelayWarden answers with (RFC 5321 4.2), named.</summary>
public enum SmtpStatusCode
{
    SystemStatus = 211,
    HelpMessage = 214,
    ServiceReady = 220,
    ServiceClosingTransmissionChannel = 221,
    AuthenticationSuccessful = 235,
    Ok = 250,
    CannotVerifyUserWillAttemptDelivery = 252,
    AuthenticationChallenge = 334,
    StartMailInput = 354,
    ServiceNotAvailable = 421,
    MailboxBusy = 450,
    LocalErrorInProcessing = 451,
    InsufficientStorage = 452,
    TemporaryAuthFailure = 454,
    SyntaxError = 500,
    SyntaxErrorInParameters = 501,
    CommandNotImplemented = 502,
    BadCommandSequence = 503,
    CommandParameterNotImplemented = 504,
    AuthenticationRequired = 530,
    AuthenticationFailed = 535,
    MailboxUnavailable = 550,
    ExceededStorageAllocation = 552,
    MailboxNameNotAllowed = 553,
    TransactionFailed = 554,
    MailFromOrRcptToParametersNotRecognized = 555,
}
