using System.Net;
using Microsoft.Extensions.Logging;

namespace RelayWarden.Net;

/// <summary>The listener of a protocol door that Postfix connects to (milter, policy delegation).</summary>
public interface IDoorListener : IAsyncDisposable
{
    /// <summary>The bound TCP address (the real port after binding port 0), or null for a Unix socket.</summary>
    IPEndPoint? LocalEndPoint { get; }

    /// <summary><c>inet:ADDRESS:PORT</c> or <c>unix:PATH</c>.</summary>
    string Address { get; }

    /// <summary>Open connections.</summary>
    int Connections { get; }

    /// <summary>Starts accepting.</summary>
    void Start();

    /// <summary>
    /// Stops accepting; connections waiting for their peer are closed at once, the others once they
    /// have sent what they answered, until <paramref name="drain"/>; then the rest are cut. A Unix
    /// socket's file is removed.
    /// </summary>
    Task StopAsync(TimeSpan drain);
}

/// <summary>Creates the listener for a door: the epoll event loops on Linux, a thread per connection elsewhere (or when <see cref="ListenerOptions.EventLoops"/> is 0).</summary>
public static class DoorListener
{
    /// <param name="address"><c>inet:ADDRESS:PORT</c>, <c>ADDRESS:PORT</c> or <c>unix:PATH</c>.</param>
    /// <param name="name">The door's name in log lines and thread names (<c>milter</c>, <c>policy</c>).</param>
    /// <param name="options">Connection limit, idle timeout, event loops.</param>
    /// <param name="logger">Where accept problems and unexpected session errors go.</param>
    /// <param name="sessions">Creates the session of a new connection.</param>
    public static IDoorListener Create(string address, string name, ListenerOptions options, ILogger logger, Func<StreamConnection, IStreamSession> sessions)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.EventLoops > 0 && OperatingSystem.IsLinux()
            ? new EventLoopListener(address, name, options, logger, sessions)
            : new ConnectionListener(address, name, options, logger, sessions);
    }
}
