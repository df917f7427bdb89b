namespace RelayWarden.Net;

/// <summary>
/// One connection's protocol, fed the bytes the transport read ("bytes in, replies out"): it
/// consumes the complete requests at the front of the input, writes their answers to the
/// connection's output, and leaves a partial request for the next call. The transport sends the
/// output once per call, so answers to pipelined requests go out in one write.
/// </summary>
public interface IStreamSession
{
    /// <summary>Handles the bytes received and not yet consumed; returns how many octets it consumed (complete requests). Called on the connection's own thread, never concurrently.</summary>
    int Received(StreamConnection connection, ReadOnlySpan<byte> input);

    /// <summary>The connection is closing for <paramref name="reason"/>; <paramref name="pending"/> octets were received and not consumed (a partial request).</summary>
    void Closed(StreamConnection connection, StreamClose reason, int pending);
}

/// <summary>Why a connection closed.</summary>
public enum StreamClose
{
    /// <summary>The session asked (<see cref="StreamConnection.Close"/>), after its output was sent.</summary>
    Requested,
    /// <summary>The peer closed its side.</summary>
    EndOfStream,
    /// <summary>Nothing received for longer than the idle timeout (or the peer read nothing of our answers for that long).</summary>
    Idle,
    /// <summary>The listener is stopping.</summary>
    Stopping,
    /// <summary>A socket error (reset, broken pipe).</summary>
    Lost,
    /// <summary>The session threw: a bug, logged by the listener.</summary>
    Fault,
}
