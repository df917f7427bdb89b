namespace RelayWarden.Smtp.Server;

/// <summary>Limits of the SMTP listener. Each is enforced while reading, never only against what the client declares.</summary>
public sealed record SmtpLimits
{
    /// <summary>Octets of one message (<c>relay.max_message_bytes</c>). Default 25 MiB: 552 5.3.4 beyond, counted while DATA is read (a client that lies in SIZE= gains nothing).</summary>
    public long MaxMessageBytes { get; init; } = 26_214_400;

    /// <summary>
    /// Octets of message data all sessions may hold in memory at once (<c>relay.limits.max_data_memory</c>).
    /// Default 1 GiB: beyond, the message being received is refused 452 4.3.1 (its client retries later)
    /// instead of a crowd of large uploads taking the process's memory.
    /// </summary>
    public long MaxDataMemoryBytes { get; init; } = 1L << 30;

    /// <summary>Octets of one command line, CRLF included (<c>relay.limits.command_line_bytes</c>). Default 2,048 (RFC 5321 4.5.3.1.4 says 512; parameters and SMTPUTF8 need more): guards memory against endless lines.</summary>
    public int MaxCommandLineBytes { get; init; } = 2048;

    /// <summary>Octets of one DATA line, CRLF included (<c>relay.limits.data_line_bytes</c>). Default 65,536 (RFC 5321 says 1,000; real mail is sloppier). A longer line refuses the message.</summary>
    public int MaxDataLineBytes { get; init; } = 65_536;

    /// <summary>Wait for a command (<c>relay.limits.command_timeout</c>). Default 5 minutes (RFC 5321 4.5.3.2.7): a silent client is answered 421 and closed.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the next DATA chunk (<c>relay.limits.data_timeout</c>). Default 3 minutes (RFC 5321 4.5.3.2.5).</summary>
    public TimeSpan DataTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Open sessions in all (<c>relay.limits.max_connections</c>). Default 2,000: beyond, a new client gets 421 and is closed.</summary>
    public int MaxConnections { get; init; } = 2000;

    /// <summary>Open sessions from one client address (<c>relay.limits.max_connections_per_ip</c>). Default 100: one host cannot take every slot.</summary>
    public int MaxConnectionsPerIp { get; init; } = 100;

    /// <summary>Protocol errors per session (<c>relay.limits.max_errors</c>). Default 10: then 421 and close (guards against probing and garbage).</summary>
    public int MaxErrors { get; init; } = 10;

    /// <summary>Recipients per message (<c>relay.max_recipients</c>); enforced by the engine's <c>recipient.limit</c> rule. Default 1,000.</summary>
    public int MaxRecipients { get; init; } = 1000;

    /// <summary>Failed AUTH attempts per session before 421. Default 3: slows password guessing.</summary>
    public int MaxAuthFailures { get; init; } = 3;
}
