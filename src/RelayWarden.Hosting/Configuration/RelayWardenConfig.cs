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

    /// <summary><c>monitor:</c> — behavior monitoring rules and settings. Default: the shipped rule set (docs/MONITOR.md).</summary>
    public MonitorOptions Monitor { get; init; } = MonitorOptions.Default;
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
}
