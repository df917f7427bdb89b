namespace RelayWarden.LogHunt.Parsing;

/// <summary>One log line split into its header fields and the program's message; spans into the read buffer.</summary>
public ref struct LogLine
{
    public DateTimeOffset Time;

    public ReadOnlySpan<byte> Host;

    /// <summary>The syslog tag without pid, e.g. <c>postfix/smtpd</c>; empty for Exim.</summary>
    public ReadOnlySpan<byte> Program;

    public ReadOnlySpan<byte> Pid;

    public ReadOnlySpan<byte> Message;

    public bool IsExim;
}
