using System.Net;

namespace RelayWarden.Core.Policy;

/// <summary>
/// What every front door hands the engine: who submits (client address, SMTP-AUTH login), the
/// envelope as the client wrote it, and, from end of DATA on, the raw message (or its header).
/// </summary>
public sealed class Submission
{
    /// <summary>The client's address; null when unknown (then only a login can name the tenant).</summary>
    public IPAddress? ClientIp { get; init; }

    /// <summary>The SASL login, when the client authenticated.</summary>
    public string? AuthLogin { get; init; }

    /// <summary>The MAIL FROM argument as the client sent it: <c>&lt;a@b&gt; PARAMS</c>, <c>&lt;&gt;</c>.</summary>
    public string MailFrom { get; init; } = "<>";

    /// <summary>
    /// Accept a bare address (<c>a@b</c>) or an empty string (the null path) as MAIL FROM: true for
    /// log records and the CLI; SMTP front doors demand angle brackets.
    /// </summary>
    public bool LenientMailFrom { get; init; }

    /// <summary>RCPT TO arguments (addresses or paths).</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];

    /// <summary>The raw message, or at least its header block, as received (CRLF, or LF for files); empty before DATA.</summary>
    public ReadOnlyMemory<byte> Message { get; init; }
}

/// <summary>How far a submission has come: what the engine can judge.</summary>
public enum SubmissionStage
{
    /// <summary>MAIL FROM: account and envelope checks only. A client that is neither authenticated nor in a tenant's networks passes here and is refused at RCPT (<c>relay.denied</c>).</summary>
    Mail,
    /// <summary>End of DATA: every check, headers included.</summary>
    Data,
}
