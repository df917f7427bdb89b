namespace RelayWarden.Policy;

/// <summary>What reading one request from the stream gave (a closed enum of rejections, as Kestrel's RequestRejectionReason).</summary>
public enum PolicyReadResult
{
    /// <summary>A complete request.</summary>
    Request,
    /// <summary>The peer closed the connection between requests.</summary>
    EndOfStream,
    /// <summary>A line with no '=' (garbage): the request is answered with a temporary action, the connection goes on.</summary>
    Garbage,
    /// <summary>Too many attributes: answered, the connection goes on.</summary>
    TooManyAttributes,
    /// <summary>A line longer than the limit: the stream is unusable, the connection is closed after a best-effort answer.</summary>
    LineTooLong,
    /// <summary>The connection closed in the middle of a request.</summary>
    Truncated,
    /// <summary>The listener is stopping, or the peer was idle longer than the idle timeout: the connection is closed without an answer.</summary>
    Stopped,
}
