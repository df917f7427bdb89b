using System.Net.Sockets;

namespace RelayWarden.Net;

/// <summary>
/// One connection served on its own thread with blocking reads and writes (see
/// <see cref="ConnectionListener"/>). The session brackets each read with <see cref="BeginRead"/>
/// and <see cref="EndRead"/> so that a stopping listener can wake a session that waits for its
/// peer (the read then returns 0) without cutting one that is answering.
/// </summary>
internal sealed class BlockingConnection
{
    private readonly ConnectionListener _owner;
    private int _reading;

    internal BlockingConnection(Socket socket, long id, ConnectionListener owner)
    {
        Socket = socket;
        Id = id;
        _owner = owner;
    }

    /// <summary>The connected socket (blocking mode); disposed by the listener when the session returns.</summary>
    public Socket Socket { get; }

    /// <summary>The connection's number in log lines.</summary>
    public long Id { get; }

    /// <summary>True once the listener is stopping.</summary>
    public bool Stopping => _owner.IsStopping;

    /// <summary>Call before a blocking read; false when the listener is stopping (return without reading).</summary>
    public bool BeginRead()
    {
        Interlocked.Exchange(ref _reading, 1); // a full fence: the stopper sees this or we see it stopping
        if (_owner.IsStopping)
        {
            Volatile.Write(ref _reading, 0);
            return false;
        }

        return true;
    }

    /// <summary>Call when the read returned or failed.</summary>
    public void EndRead() => Volatile.Write(ref _reading, 0);

    /// <summary>Wakes the session if it waits for its peer: its read returns 0.</summary>
    internal void WakeIfReading()
    {
        if (Volatile.Read(ref _reading) == 1)
        {
            try
            {
                Socket.Shutdown(SocketShutdown.Receive);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // Already closed: nothing to wake.
            }
        }
    }
}
