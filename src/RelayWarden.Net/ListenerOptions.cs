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

    /// <summary><c>Math.Min(Environment.ProcessorCount, 2)</c> on Linux, 0 elsewhere.</summary>
    public static int DefaultEventLoops => OperatingSystem.IsLinux() ? Math.Min(Environment.ProcessorCount, 2) : 0;
}
