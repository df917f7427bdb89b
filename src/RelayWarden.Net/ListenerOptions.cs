namespace RelayWarden.Net;

/// <summary>How a door's listener serves its connections.</summary>
public sealed record ListenerOptions
{
    /// <summary>Connections beyond this are closed at once. Default 1,000.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>A connection that sends nothing (or reads none of our answers) for this long is closed. Default 300 s.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Initial input buffer of a connection (it grows when a request needs more). Default 4,096.</summary>
    public int InitialBuffer { get; init; } = 4096;

    /// <summary>
    /// Event-loop threads (Linux epoll; each with its own connections). Default
    /// <see cref="DefaultEventLoops"/>; 0 serves each connection on its own thread with blocking I/O
    /// (<see cref="ConnectionListener"/>, the transport where epoll is not available).
    /// </summary>
    public int EventLoops { get; init; } = DefaultEventLoops;

    /// <summary>
    /// 1 on Linux, 0 elsewhere. One loop answers 76-83k policy requests/s with p99 0.87-0.94 ms on the
    /// 2-core test machine (client in the same process); two loops, competing with the client for the
    /// two cores, 64-70k with p99 2.3-2.6 ms (alternating runs, policy-load --loop). A door's traffic
    /// is far below what one loop serves; more loops are for larger machines (listen.event_loops).
    /// </summary>
    public static int DefaultEventLoops => OperatingSystem.IsLinux() ? 1 : 0;
}
