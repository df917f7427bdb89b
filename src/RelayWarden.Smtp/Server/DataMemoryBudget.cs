namespace RelayWarden.Smtp.Server;

/// <summary>
/// Octets of message data that all sessions of a listener may hold in memory at once
/// (<c>relay.limits.max_data_memory</c>). A session takes its share while it reads DATA, in steps, and
/// gives it back when the message is decided: a thousand slow 25 MiB uploads cannot take the process's
/// memory; the message that finds the budget spent is refused 452 4.3.1, and its client tries again later.
/// </summary>
public sealed class DataMemoryBudget
{
    /// <summary>The step a session takes its share in (fewer atomic operations than one per line).</summary>
    public const int Step = 64 * 1024;

    private readonly long _limit;
    private long _inUse;

    public DataMemoryBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, Step);
        _limit = limit;
    }

    /// <summary>Octets taken now.</summary>
    public long InUse => Interlocked.Read(ref _inUse);

    /// <summary>Takes <paramref name="bytes"/> when the budget has them; false (and nothing taken) when not.</summary>
    public bool TryTake(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long used = Interlocked.Read(ref _inUse);
        while (true)
        {
            if (used + bytes > _limit)
            {
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _inUse, used + bytes, used);
            if (seen == used)
            {
                return true;
            }

            used = seen;
        }
    }

    /// <summary>Gives back octets taken with <see cref="TryTake"/>.</summary>
    public void Return(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Add(ref _inUse, -bytes);
    }
}
