using System.Buffers;
using System.IO.Pipelines;

namespace RelayWarden.Smtp.Server;

/// <summary>How a line ended (Kestrel-style closed set of outcomes).</summary>
internal enum LineStatus
{
    /// <summary>A line ended by CRLF with no other CR in it.</summary>
    Line,
    /// <summary>A line ended by a bare LF, or holding a bare CR: never a command or a DATA terminator (SMTP smuggling).</summary>
    BareLineEnd,
    /// <summary>Longer than the limit; the excess was never buffered.</summary>
    TooLong,
    /// <summary>The client closed the connection.</summary>
    Closed,
}

/// <summary>
/// Reads CRLF lines from a <see cref="PipeReader"/>, enforcing the length limit while reading: at most
/// <c>limit</c> octets are ever buffered for one line. Replies are flushed just before the reader
/// would wait for the network, which is what PIPELINING needs.
/// </summary>
internal sealed class SmtpLineReader
{
    private readonly PipeReader _reader;
    private bool _needMore;
    private bool _overlong;

    public SmtpLineReader(PipeReader reader) => _reader = reader;

    /// <summary>True when the last line ended with CRLF (bare CRs inside do not matter here).</summary>
    public bool EndedWithCrLf { get; private set; }

    public PipeReader Reader => _reader;

    /// <summary>
    /// Reads one line into <paramref name="destination"/> (without its line end). With
    /// <paramref name="discardOverlong"/> an overlong line is skipped to its end and reported once;
    /// without it, <see cref="LineStatus.TooLong"/> comes as soon as the limit is passed.
    /// </summary>
    public async ValueTask<LineStatus> ReadLineAsync(IBufferWriter<byte> destination, int limit, bool discardOverlong,
        Func<ValueTask> beforeWait, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result;
            if (_needMore || !_reader.TryRead(out result))
            {
                await beforeWait().ConfigureAwait(false);
                result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }

            _needMore = false;
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (_overlong || buffer.Length >= limit)
                {
                    _reader.AdvanceTo(buffer.End);
                    if (!discardOverlong)
                    {
                        return LineStatus.TooLong;
                    }

                    _overlong = true;
                }
                else
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }

                _needMore = true;
                if (result.IsCompleted)
                {
                    return LineStatus.Closed;
                }

                continue;
            }

            var line = buffer.Slice(0, lf.Value);
            var next = buffer.GetPosition(1, lf.Value);
            if (_overlong || line.Length + 1 > limit)
            {
                _reader.AdvanceTo(next);
                _overlong = false;
                EndedWithCrLf = true;
                return LineStatus.TooLong;
            }

            bool crlf = line.Length > 0 && LastByte(line) == (byte)'\r';
            var content = crlf ? line.Slice(0, line.Length - 1) : line;
            bool bareCr = content.PositionOf((byte)'\r') is not null;
            foreach (var segment in content)
            {
                destination.Write(segment.Span);
            }

            _reader.AdvanceTo(next);
            EndedWithCrLf = crlf;
            return crlf && !bareCr ? LineStatus.Line : LineStatus.BareLineEnd;
        }
    }

    private static byte LastByte(in ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0];
    }
}
