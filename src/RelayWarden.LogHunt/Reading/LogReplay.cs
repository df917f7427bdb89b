using RelayWarden.LogHunt.Parsing;
using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Reading;

/// <summary>Reads logs in order through one <see cref="LogJoiner"/> into a sink (the hunter, the tracer).</summary>
public sealed record LogReplay
{
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Year of RFC 3164 lines, or 0 to infer it from each file's modification time.</summary>
    public int Year { get; init; }

    public TimeSpan ZonelessOffset { get; init; }

    public JoinerLimits Limits { get; init; } = JoinerLimits.Default;

    /// <summary>Reads every input to its end (a <see cref="FollowStream"/> until cancelled), then flushes the open messages.</summary>
    public LogStatistics Run(IReadOnlyList<LogInput> inputs, IRecordSink sink, Func<Stream> stdin, Action<long>? rawBytes = null, CancellationToken cancellation = default)
    {
        var header = new SyslogHeader { ZonelessOffset = ZonelessOffset, FixedYear = Year };
        var joiner = new LogJoiner(sink, header, Limits);
        foreach (var input in inputs)
        {
            header.BeginSource(input.Reference(Clock));
            using var stream = input.Open(stdin, rawBytes);
            LineReader.Read(stream, joiner, Limits.MaxLineBytes, cancellation);
        }

        joiner.Flush();
        return joiner.Statistics;
    }

    /// <summary>Follows one growing file (<c>--follow</c>) until cancelled.</summary>
    public LogStatistics Follow(string path, IRecordSink sink, TimeSpan poll, CancellationToken cancellation)
    {
        var header = new SyslogHeader { ZonelessOffset = ZonelessOffset, FixedYear = Year };
        header.BeginSource(Clock.GetUtcNow());
        var joiner = new LogJoiner(sink, header, Limits);
        using var stream = new FollowStream(path, poll, cancellation, fromEnd: false);
        LineReader.Read(stream, joiner, Limits.MaxLineBytes, cancellation);
        joiner.Flush();
        return joiner.Statistics;
    }
}
