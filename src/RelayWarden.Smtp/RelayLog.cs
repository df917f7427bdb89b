using System.Globalization;
using System.Text;

namespace RelayWarden.Smtp;

/// <summary>
/// Structured log: one logfmt line per event (<c>time=… event=smtp.session …</c>). Values are
/// escaped and truncated; secrets are never passed in.
/// </summary>
public sealed class RelayLog
{
    private readonly TextWriter _writer;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    public RelayLog(TextWriter writer, TimeProvider time)
    {
        _writer = writer;
        _time = time;
    }

    /// <summary>A log that writes nothing.</summary>
    public static RelayLog Null { get; } = new(TextWriter.Null, TimeProvider.System);

    /// <summary>Writes one event with its fields (null values are left out).</summary>
    public void Write(string eventName, params ReadOnlySpan<(string Key, object? Value)> fields)
    {
        var line = new StringBuilder(160);
        line.Append("time=").Append(_time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        line.Append(" event=").Append(eventName);
        foreach (var (key, value) in fields)
        {
            if (value is null)
            {
                continue;
            }

            line.Append(' ').Append(key).Append('=');
            AppendValue(line, Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        lock (_lock)
        {
            _writer.WriteLine(line.ToString());
            _writer.Flush();
        }
    }

    /// <summary>Printable form of untrusted input: control characters escaped, at most <paramref name="max"/> characters.</summary>
    public static string Sanitize(string text, int max = 200)
    {
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

    private static void AppendValue(StringBuilder line, string value)
    {
        value = Sanitize(value, 1000);
        bool quote = value.Length == 0 || value.AsSpan().IndexOfAny(" \"=") >= 0;
        if (!quote)
        {
            line.Append(value);
            return;
        }

        line.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
    }
}
