namespace RelayWarden.Mail.Headers;

/// <summary>Limits enforced while reading a header block.</summary>
public sealed record HeaderLimits
{
    /// <summary>Largest header block read, in octets. Default 256 KiB: guards against memory and CPU exhaustion by endless headers.</summary>
    public int MaxHeaderBytes { get; init; } = 256 * 1024;

    /// <summary>Most header fields. Default 1,000: guards against quadratic work on millions of tiny fields.</summary>
    public int MaxFields { get; init; } = 1000;

    /// <summary>Longest identity field line in octets. Default 998 (RFC 5322): longer lines are cut differently by different MTAs.</summary>
    public int MaxIdentityLineLength { get; init; } = 998;

    /// <summary>The defaults.</summary>
    public static HeaderLimits Default { get; } = new();
}
