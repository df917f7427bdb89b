namespace RelayWarden.LogHunt.Records;

/// <summary>An SMTP-level reject logged without a queue id (Postfix <c>NOQUEUE: reject:</c>, Exim <c>rejected RCPT</c>).</summary>
public sealed record SmtpReject(DateTimeOffset Time, string Host, string? ClientIp, string? Login, string? Sender, string? Recipient, string Reply);
