using System.Globalization;
using System.Text;

namespace RelayWarden.Smtp;

/// <summary>
/// Structured log: one logfmt line per event (<c>time=… event=smtp.session …</c>). Values are
/// escaped and truncated; secrets are never passed in.
/// </summary>
public sealed class RelayLog
{
    private const int KeptBuilderCapacity = 4096;

    [ThreadStatic]
    private static StringBuilder? t_line;

    private readonly TextWriter _writer;
    private readonly TimeProvider _time;
    private readonly bool _discard;
    private readonly Lock _lock = new();

    public RelayLog(TextWriter writer, TimeProvider time)
    {
        _writer = writer;
        _time = time;
        _discard = ReferenceEquals(writer, TextWriter.Null);
    }

    /// <summary>A log that writes nothing (and builds nothing).</summary>
    public static RelayLog Null { get; } = new(TextWriter.Null, TimeProvider.System);

    /// <summary>False for <see cref="Null"/>: callers may skip building what they would log.</summary>
    public bool IsEnabled => !_discard;

    /// <summary>Writes one event with its fields (null values are left out).</summary>
    public void Write(string eventName, params ReadOnlySpan<(string Key, object? Value)> fields)
    {
        if (_discard)
        {
            return;
        }

        // One builder per thread, reused: a refusal logged by a door costs the line's text, not its scaffolding.
        var line = t_line ?? new StringBuilder(256);
        t_line = null;
        line.Clear();
        line.Append(CultureInfo.InvariantCulture, $"time={_time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ}");
        line.Append(" event=").Append(eventName);
        foreach (var (key, value) in fields)
        {
            if (value is null)
            {
                continue;
            }

            line.Append(' ').Append(key).Append('=');
            AppendValue(line, value switch
            {
                string text => text,
                int number => number.ToString(CultureInfo.InvariantCulture),
                _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
            });
        }

        lock (_lock)
        {
            _writer.WriteLine(line.ToString()); // one string: writers that take whole lines (a test's, a syslog bridge) get whole lines
            _writer.Flush();
        }

        if (line.Capacity <= KeptBuilderCapacity)
        {
            t_line = line;
        }
    }

    /// <summary>Printable form of untrusted input: control characters escaped, at most <paramref name="max"/> characters.</summary>
    public static string Sanitize(string text, int max = 200)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= max && !HasControl(text))
        {
            return text; // the usual case: nothing to escape or cut, nothing to allocate.
        }

        var builder = new StringBuilder(Math.Min(text.Length, max) + 8);
        foreach (char c in text)
        {
            if (builder.Length >= max)
            {
                builder.Append('…');
                break;
            }

            if (char.IsControl(c))
            {
                builder.Append(c switch { '\r' => "\\r", '\n' => "\\n", '\t' => "\\t", _ => $"\\x{(int)c:x2}" });
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>True when <paramref name="text"/> holds a character <see cref="char.IsControl(char)"/> calls a control (C0, DEL, C1).</summary>
    private static bool HasControl(string text) =>
        text.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') >= 0 || text.AsSpan().IndexOfAnyInRange('\u007f', '\u009f') >= 0;

    private static void AppendValue(StringBuilder line, string value)
    {
        value = Sanitize(value, 1000);
        bool quote = value.Length == 0 || value.AsSpan().IndexOfAny(" \"=") >= 0;
        if (!quote)
        {
            line.Append(value);
            return;
        }

        line.Append('"');
        foreach (char c in value)
        {
            if (c is '\\' or '"')
            {
                line.Append('\\');
            }

            line.Append(c);
        }

        line.Append('"');
    }
}
