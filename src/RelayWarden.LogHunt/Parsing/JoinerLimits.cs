namespace RelayWarden.LogHunt.Parsing;

/// <summary>Bounds on the joiner's memory, so an endless log (<c>--follow</c>) runs in constant space.</summary>
public sealed record JoinerLimits
{
    /// <summary>
    /// A message with no line for this long (log time) is evicted: handed to the sink as it is and forgotten.
    /// Default 2 h: Postfix retries deferred mail within minutes to about an hour, so most deferrals still join,
    /// and a log that never logs <c>removed</c> (partial or rotated logs) cannot grow memory.
    /// </summary>
    public TimeSpan MaxIdle { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Open messages kept at most; beyond it the idlest are evicted early. Default 200,000 (about 100 MB at worst).</summary>
    public int MaxOpenMessages { get; init; } = 200_000;

    /// <summary>Lines longer than this are counted as garbled and skipped. Default 64 KiB.</summary>
    public int MaxLineBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Keep the per-recipient relay and the client's host name (for <c>trace</c>). Default true; the hunter turns it off
    /// because it reads neither and the strings are a third of the allocations.
    /// </summary>
    public bool DeliveryDetails { get; init; } = true;

    public static JoinerLimits Default { get; } = new();
}
