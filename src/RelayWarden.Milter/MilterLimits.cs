using RelayWarden.Net;

namespace RelayWarden.Milter;

/// <summary>Limits of the milter listener.</summary>
public sealed record MilterLimits
{
    /// <summary>Largest packet accepted. Default 1 MiB (libmilter's largest data size is 64 KiB by default; 1 MiB leaves room). A larger length is a broken or hostile peer: the connection is closed.</summary>
    public int MaxPacketBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest header block rebuilt from header events. Default 256 KiB, as the engine's header limit.</summary>
    public int MaxHeaderBytes { get; init; } = 256 * 1024;

    /// <summary>How long to wait for the MTA's next packet. Default 7,200 s: Postfix keeps a milter connection for a whole SMTP session (milter_content_timeout 300 s applies per event on its side).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(7200);

    /// <summary>Most simultaneous connections. Default 1,000.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Event-loop threads serving the connections (Linux). Default 1 (<see cref="ListenerOptions.DefaultEventLoops"/>); 0 serves each connection on its own thread with blocking I/O (the transport elsewhere).</summary>
    public int EventLoops { get; init; } = ListenerOptions.DefaultEventLoops;

    public static MilterLimits Default { get; } = new();
}
