using System.Buffers;
using System.Runtime.CompilerServices;
using RelayWarden.LogHunt.Parsing;

namespace RelayWarden.LogHunt.Reading;

/// <summary>Splits a byte stream into lines (LF or CRLF) with a pooled buffer and feeds them to a <see cref="LogJoiner"/>.</summary>
public static class LineReader
{
    /// <summary>Reads <paramref name="stream"/> to its end; an over-long line is skipped and counted as garbled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Read(Stream stream, LogJoiner joiner, int maxLineBytes, CancellationToken cancellation = default)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1 << 20, maxLineBytes * 2));
        try
        {
            int filled = 0;
            bool skipping = false;
            while (!cancellation.IsCancellationRequested)
            {
                int read = stream.Read(buffer, filled, buffer.Length - filled);
                if (read == 0)
                {
                    if (filled > 0 && !skipping)
                    {
                        Line(joiner, buffer.AsSpan(0, filled));
                    }

                    return;
                }

                joiner.Statistics.Bytes += read;
                filled += read;
                var span = buffer.AsSpan(0, filled);
                int start = 0;
                while (true)
                {
                    int newline = span[start..].IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        break;
                    }

                    if (skipping)
                    {
                        skipping = false;
                    }
                    else
                    {
                        Line(joiner, span.Slice(start, newline));
                    }

                    start += newline + 1;
                }

                int left = filled - start;
                if (left > maxLineBytes)
                {
                    if (!skipping)
                    {
                        joiner.Statistics.Garbled++;
                        joiner.Statistics.Lines++;
                    }

                    skipping = true;
                    left = 0;
                }
                else if (left > 0 && start > 0)
                {
                    buffer.AsSpan(start, left).CopyTo(buffer);
                }

                filled = left;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Line(LogJoiner joiner, ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.Length > 0)
        {
            joiner.Feed(line);
        }
    }
}
