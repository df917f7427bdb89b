namespace RelayWarden.LogHunt.Reading;

/// <summary>Counters of one run: what was read, joined, and what could not be.</summary>
public sealed class LogStatistics
{
    public long Lines { get; set; }

    public long Bytes { get; set; }

    /// <summary>Lines whose syslog header (time, host, program) could not be read, or over-long lines.</summary>
    public long Garbled { get; set; }

    /// <summary>Lines of a queue id that was never opened (the log starts mid-message) or was already evicted.</summary>
    public long Unjoinable { get; set; }

    /// <summary>Lines of other programs or of Postfix that carry nothing the hunter needs.</summary>
    public long Ignored { get; set; }

    public long Messages { get; set; }

    public long Rejects { get; set; }

    /// <summary>Messages dropped from memory before their last line (too old or too many open).</summary>
    public long Evicted { get; set; }

    public long OpenMessagesPeak { get; set; }
}
