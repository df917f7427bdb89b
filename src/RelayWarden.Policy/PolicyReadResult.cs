namespace RelayWarden.Policy;

/// <summary>What parsing one request gave (a closed enum of rejections, as Kestrel's RequestRejectionReason). How a connection ended is the transport's <see cref="RelayWarden.Net.StreamClose"/>.</summary>
public enum PolicyReadResult
{
    /// <summary>A complete request.</summary>
    Request,
    /// <summary>A line with no '=' (garbage): the request is answered with a temporary action, the connection goes on.</summary>
    Garbage,
    /// <summary>Too many attributes: answered, the connection goes on.</summary>
    TooManyAttributes,
    /// <summary>A line longer than the limit: the stream is unusable, the connection is closed after a best-effort answer.</summary>
    LineTooLong,
}
