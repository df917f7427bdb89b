namespace RelayWarden.Core.Policy;

/// <summary>
/// An SMTP reply: code, enhanced status code (RFC 3463) and the client text. The text is short and
/// generic: it never names another tenant or shows configuration (that evidence goes to the log).
/// </summary>
public sealed record SmtpReply(SmtpStatusCode Code, string EnhancedCode, string Text)
{
    public static SmtpReply Accepted { get; } = new(SmtpStatusCode.Ok, "2.0.0", "Ok");

    public static SmtpReply Held { get; } = new(SmtpStatusCode.Ok, "2.0.0", "Ok: queued for review");

    public static SmtpReply TryLater { get; } = new(SmtpStatusCode.LocalErrorInProcessing, "4.7.1", "Try again later");

    public static SmtpReply EngineFault { get; } = new(SmtpStatusCode.LocalErrorInProcessing, "4.3.0", "Temporary policy failure, try again later");

    /// <summary>True for 4xx.</summary>
    public bool IsTransient => (int)Code is >= 400 and < 500;

    /// <summary>True for 5xx.</summary>
    public bool IsPermanent => (int)Code >= 500;

    /// <summary><c>550 5.7.1 text</c>.</summary>
    public override string ToString() => $"{(int)Code} {EnhancedCode} {Text}";
}
