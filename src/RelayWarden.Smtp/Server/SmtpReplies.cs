using RelayWarden.Core.Policy;

namespace RelayWarden.Smtp.Server;

/// <summary>
/// The SMTP front door's Verdict-to-wire table and its fixed protocol replies. The engine's reply is
/// used for every refusal; acceptance texts depend on the stage (RFC 3463 codes 2.1.0, 2.1.5, 2.0.0).
/// </summary>
internal static class SmtpReplies
{
    public static readonly SmtpReply SenderOk = new(SmtpStatusCode.Ok, "2.1.0", "Sender ok");
    public static readonly SmtpReply RecipientOk = new(SmtpStatusCode.Ok, "2.1.5", "Recipient ok");
    public static readonly SmtpReply Ok = new(SmtpStatusCode.Ok, "2.0.0", "Ok");
    public static readonly SmtpReply Bye = new(SmtpStatusCode.ServiceClosingTransmissionChannel, "2.0.0", "Bye");
    public static readonly SmtpReply StartData = new(SmtpStatusCode.StartMailInput, string.Empty, "End data with <CR><LF>.<CR><LF>");
    public static readonly SmtpReply ReadyForTls = new(SmtpStatusCode.ServiceReady, "2.0.0", "Ready to start TLS");
    public static readonly SmtpReply Help = new(SmtpStatusCode.HelpMessage, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT HELP STARTTLS AUTH");
    public static readonly SmtpReply VrfyRefused = new(SmtpStatusCode.CannotVerifyUserWillAttemptDelivery, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly SmtpReply ExpnRefused = new(SmtpStatusCode.CommandNotImplemented, "5.5.1", "EXPN not available");
    public static readonly SmtpReply AuthOk = new(SmtpStatusCode.AuthenticationSuccessful, "2.7.0", "Authentication successful");
    public static readonly SmtpReply AuthFailed = new(SmtpStatusCode.AuthenticationFailed, "5.7.8", "Authentication credentials invalid");
    public static readonly SmtpReply AuthCancelled = new(SmtpStatusCode.SyntaxErrorInParameters, "5.7.0", "Authentication cancelled");
    public static readonly SmtpReply AuthNeedsTls = new(SmtpStatusCode.AuthenticationRequired, "5.7.0", "Must issue a STARTTLS command first");
    public static readonly SmtpReply AuthMechanism = new(SmtpStatusCode.CommandParameterNotImplemented, "5.5.4", "Unrecognized authentication mechanism");
    public static readonly SmtpReply AuthAlready = new(SmtpStatusCode.BadCommandSequence, "5.5.1", "Already authenticated");
    public static readonly SmtpReply AuthSyntax = new(SmtpStatusCode.SyntaxErrorInParameters, "5.5.2", "Cannot decode the AUTH response");
    public static readonly SmtpReply TlsUnavailable = new(SmtpStatusCode.CommandNotImplemented, "5.5.1", "STARTTLS not available");
    public static readonly SmtpReply TlsAlready = new(SmtpStatusCode.BadCommandSequence, "5.5.1", "TLS already active");
    public static readonly SmtpReply Unrecognized = new(SmtpStatusCode.SyntaxError, "5.5.2", "Command unrecognized");
    public static readonly SmtpReply BareNewline = new(SmtpStatusCode.SyntaxError, "5.5.2", "Bare CR or LF in command line refused");
    public static readonly SmtpReply LineTooLong = new(SmtpStatusCode.ServiceNotAvailable, "4.5.0", "Line too long, closing connection");
    public static readonly SmtpReply Timeout = new(SmtpStatusCode.ServiceNotAvailable, "4.4.2", "Timeout, closing connection");
    public static readonly SmtpReply TooManyErrors = new(SmtpStatusCode.ServiceNotAvailable, "4.7.0", "Too many errors, closing connection");
    public static readonly SmtpReply ShuttingDown = new(SmtpStatusCode.ServiceNotAvailable, "4.3.2", "Service shutting down, try again later");
    public static readonly SmtpReply LocalError = new(SmtpStatusCode.ServiceNotAvailable, "4.3.0", "Local error, closing connection");
    public static readonly SmtpReply TooManyConnections = new(SmtpStatusCode.ServiceNotAvailable, "4.7.0", "Too many connections, try again later");
    public static readonly SmtpReply NeedHelo = new(SmtpStatusCode.BadCommandSequence, "5.5.1", "Send EHLO or HELO first");
    public static readonly SmtpReply HeloSyntax = new(SmtpStatusCode.SyntaxErrorInParameters, "5.5.4", "Syntax: EHLO hostname");
    public static readonly SmtpReply NestedMail = new(SmtpStatusCode.BadCommandSequence, "5.5.1", "Sender already specified");
    public static readonly SmtpReply NeedMail = new(SmtpStatusCode.BadCommandSequence, "5.5.1", "Need MAIL before RCPT");
    public static readonly SmtpReply NeedRcpt = new(SmtpStatusCode.BadCommandSequence, "5.5.1", "Need RCPT before DATA");
    public static readonly SmtpReply MailSyntax = new(SmtpStatusCode.SyntaxErrorInParameters, "5.5.4", "Syntax: MAIL FROM:<address>");
    public static readonly SmtpReply SenderSyntax = new(SmtpStatusCode.SyntaxErrorInParameters, "5.1.7", "Bad sender address syntax");
    public static readonly SmtpReply RcptSyntax = new(SmtpStatusCode.SyntaxErrorInParameters, "5.5.4", "Syntax: RCPT TO:<address>");
    public static readonly SmtpReply UnknownParameter = new(SmtpStatusCode.MailFromOrRcptToParametersNotRecognized, "5.5.4", "Unsupported MAIL FROM or RCPT TO parameter");
    public static readonly SmtpReply DataMemorySpent = new(SmtpStatusCode.InsufficientStorage, "4.3.1", "Insufficient system storage, try again later");

    public static readonly SmtpReply SizeExceeded = new(SmtpStatusCode.ExceededStorageAllocation, "5.3.4", "Message size exceeds fixed maximum message size");
    public static readonly SmtpReply DataLineTooLong = new(SmtpStatusCode.MailboxUnavailable, "5.5.6", "Message line too long");
    public static readonly SmtpReply DataBareNewline = new(SmtpStatusCode.MailboxUnavailable, "5.6.0", "Bare CR or LF in message refused (RFC 5321 2.3.8)");
    public static readonly SmtpReply SpoolFailed = new(SmtpStatusCode.LocalErrorInProcessing, "4.3.0", "Temporary local problem, try again later");
    public static readonly SmtpReply NoParameters = new(SmtpStatusCode.SyntaxErrorInParameters, "5.5.4", "No parameters allowed");
    public static readonly SmtpReply NotImplemented = new(SmtpStatusCode.CommandNotImplemented, "5.5.1", "Command not implemented");

    /// <summary>The wire reply for a verdict at MAIL or RCPT: the engine's refusal, else the stage's acceptance.</summary>
    public static SmtpReply ForEnvelope(Verdict verdict, SmtpReply accepted) =>
        verdict.Action is VerdictAction.Reject or VerdictAction.Defer ? verdict.Reply : accepted;

    /// <summary>The wire reply for a verdict at end of DATA, after the spool has the message (relay and hold).</summary>
    public static SmtpReply ForData(Verdict verdict, string queueId) => verdict.Action switch
    {
        VerdictAction.Relay => new SmtpReply(SmtpStatusCode.Ok, "2.0.0", $"Ok: queued as {queueId}"),
        VerdictAction.Hold => new SmtpReply(SmtpStatusCode.Ok, "2.0.0", $"Ok: queued as {queueId}"),
        _ => verdict.Reply,
    };

    /// <summary>Writes a reply as one or more lines (<c>250-…</c> continuation for all but the last).</summary>
    public static string Format(SmtpReply reply)
    {
        string code = ((int)reply.Code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return reply.EnhancedCode.Length == 0 ? $"{code} {reply.Text}" : $"{code} {reply.EnhancedCode} {reply.Text}";
    }
}
