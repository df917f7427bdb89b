using RelayWarden.Net;

namespace RelayWarden.Policy;

/// <summary>Limits of the Postfix policy-delegation listener.</summary>
public sealed record PolicyLimits
{
    /// <summary>Longest attribute line in octets. Default 4,096: Postfix's longest attribute (a certificate subject) fits; a peer that sends more is not Postfix.</summary>
    public int MaxLineBytes { get; init; } = 4096;

    /// <summary>Most attributes in one request. Default 100 (Postfix sends about 30).</summary>
    public int MaxAttributes { get; init; } = 100;

    /// <summary>How long an idle connection is kept. Default 300 s, as Postfix's <c>smtpd_policy_service_max_idle</c> (300 s).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Most simultaneous connections. Default 1,000: each Postfix smtpd process holds one.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Malformed requests tolerated on one connection before it is closed. Default 10.</summary>
    public int MaxErrors { get; init; } = 10;

    /// <summary>Event-loop threads serving the connections (Linux). Default 1 (<see cref="ListenerOptions.DefaultEventLoops"/>); 0 serves each connection on its own thread with blocking I/O (the transport elsewhere).</summary>
    public int EventLoops { get; init; } = ListenerOptions.DefaultEventLoops;

    public static PolicyLimits Default { get; } = new();
}
