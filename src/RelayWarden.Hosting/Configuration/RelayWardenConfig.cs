using System.Net;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;

namespace RelayWarden.Hosting.Configuration;

/// <summary>A validated configuration: everything a host needs, never half-built.</summary>
public sealed class RelayWardenConfig
{
    /// <summary>The file it came from (absolute), for relative paths and messages.</summary>
    public required string SourcePath { get; init; }

    /// <summary><c>data_dir</c>: spool, records database, generated certificates. Relative to the config file's folder. Default <c>var</c>.</summary>
    public required string DataDir { get; init; }

    public required TenantDirectory Directory { get; init; }

    public required Blocklist Blocklist { get; init; }

    public required PolicyOptions Policy { get; init; }

    public required ListenOptions Listen { get; init; }

    public required RelayOptions Relay { get; init; }

    /// <summary><c>tls:</c> — the STARTTLS certificate.</summary>
    public TlsOptions Tls { get; init; } = new();

    /// <summary><c>records:</c> — the decision records.</summary>
    public RecordsOptions Records { get; init; } = new();

    /// <summary><c>monitor:</c> — behavior monitoring rules and settings. Default: the shipped rule set (docs/MONITOR.md).</summary>
    public MonitorOptions Monitor { get; init; } = MonitorOptions.Default;

    /// <summary><c>alerts:</c> where monitor alerts go besides the control store and the log.</summary>
    public AlertOptions Alerts { get; init; } = new();

    /// <summary><c>domain_claims:</c> DNS TXT verification of domains claimed at run time.</summary>
    public DomainClaimOptions DomainClaims { get; init; } = new();
}

/// <summary><c>tls:</c> — PEM certificate and key for STARTTLS; neither means a self-signed one generated under <c>data_dir/tls</c>.</summary>
public sealed record TlsOptions
{
    /// <summary><c>tls.cert</c>: PEM certificate (chain), relative to the config file.</summary>
    public string? CertPath { get; init; }

    /// <summary><c>tls.key</c>: PEM private key.</summary>
    public string? KeyPath { get; init; }
}

/// <summary><c>records:</c> — decision records in <c>data_dir/records.db</c>.</summary>
public sealed record RecordsOptions
{
    /// <summary><c>records.retention_days</c>: older decisions and delivery outcomes are purged daily. Default 90.</summary>
    public int RetentionDays { get; init; } = 90;
}

/// <summary><c>relay.limits:</c> — protocol limits of the SMTP listener (see SmtpLimits for the attacks each guards against).</summary>
public sealed record RelayLimits
{
    /// <summary><c>command_line_bytes</c>. Default 2,048.</summary>
    public int CommandLineBytes { get; init; } = 2048;

    /// <summary><c>data_line_bytes</c>. Default 65,536.</summary>
    public int DataLineBytes { get; init; } = 65_536;

    /// <summary><c>command_timeout</c>. Default 5m.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary><c>data_timeout</c>. Default 3m.</summary>
    public TimeSpan DataTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary><c>max_connections</c>. Default 2,000.</summary>
    public int MaxConnections { get; init; } = 2000;

    /// <summary><c>max_connections_per_ip</c>. Default 100.</summary>
    public int MaxConnectionsPerIp { get; init; } = 100;

    /// <summary><c>max_errors</c>: error replies per session before 421. Default 10.</summary>
    public int MaxErrors { get; init; } = 10;

    /// <summary><c>max_data_memory</c>: octets of message data all SMTP sessions may hold in memory at once. Default 1 GiB: beyond, 452 4.3.1.</summary>
    public long MaxDataMemory { get; init; } = 1L << 30;
}

/// <summary><c>listen:</c> — each listener is off unless set.</summary>
public sealed record ListenOptions
{
    /// <summary><c>listen.smtp</c>: the relay's SMTP listener (<c>127.0.0.1:2525</c>).</summary>
    public IPEndPoint? Smtp { get; init; }

    /// <summary><c>listen.smtp_auth_without_tls</c>: allow AUTH before STARTTLS (honoured on loopback listeners only). Default false.</summary>
    public bool SmtpAuthWithoutTls { get; init; }

    /// <summary><c>listen.milter</c>: <c>inet:127.0.0.1:8891</c> or <c>unix:/path</c>.</summary>
    public string? Milter { get; init; }

    /// <summary><c>listen.policy</c>: Postfix policy delegation (<c>127.0.0.1:10040</c>).</summary>
    public IPEndPoint? Policy { get; init; }

    /// <summary><c>listen.web</c>: console and REST API (<c>127.0.0.1:8080</c>).</summary>
    public IPEndPoint? Web { get; init; }

    /// <summary>
    /// <c>listen.event_loops</c>: epoll event-loop threads of the milter and of the policy listener
    /// (Linux). Unset: the transport's default (1 on Linux); 0: a thread per
    /// connection with blocking I/O.
    /// </summary>
    public int? EventLoops { get; init; }
}

/// <summary><c>relay:</c> — delivery and limits of the standalone relay.</summary>
public sealed record RelayOptions
{
    /// <summary><c>relay.next_hop</c>: <c>outbox:DIR</c>, <c>smtp://host:port</c> or <c>mx</c>. Default <c>outbox:var/outbox</c>.</summary>
    public string NextHop { get; init; } = "outbox:var/outbox";

    /// <summary><c>relay.max_message_bytes</c>. Default 26,214,400 (25 MiB): larger DATA is refused with 552 while it is read.</summary>
    public long MaxMessageBytes { get; init; } = 26_214_400;

    /// <summary><c>relay.max_recipients</c>. Default 1,000 per message (452 beyond, RFC 5321 4.5.3.1.8).</summary>
    public int MaxRecipients { get; init; } = 1000;

    /// <summary><c>relay.hostname</c>: the name in the greeting, Received headers and DSNs. Default the machine's host name.</summary>
    public string Hostname { get; init; } = System.Net.Dns.GetHostName();

    /// <summary><c>relay.retry_initial</c>: first retry delay, doubled per attempt up to 1 h. Default 60s.</summary>
    public TimeSpan RetryInitial { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary><c>relay.max_age</c>: a message undelivered for this long bounces. Default 5d.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(5);

    /// <summary><c>relay.delivery_concurrency</c>: messages delivered at once. Default 8.</summary>
    public int DeliveryConcurrency { get; init; } = 8;

    /// <summary><c>relay.limits</c>.</summary>
    public RelayLimits Limits { get; init; } = new();
}
