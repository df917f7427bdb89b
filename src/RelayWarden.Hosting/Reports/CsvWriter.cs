using System.Globalization;

namespace RelayWarden.Hosting.Reports;

/// <summary>
/// Writes CSV as RFC 4180 says (CRLF line ends; a field holding a comma, a quote, CR or LF is quoted,
/// quotes doubled) and safe to open in a spreadsheet: a text cell starting with <c>=</c>, <c>+</c>,
/// <c>-</c>, <c>@</c>, tab or CR gets a leading apostrophe, so a From header such as
/// <c>=HYPERLINK(...)</c> stays text (OWASP "CSV injection"). Numbers and times are written as they are.
/// </summary>
public sealed class CsvWriter
{
    private readonly TextWriter _output;
    private bool _lineStarted;

    public CsvWriter(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>A text cell (null is an empty cell).</summary>
    public CsvWriter Text(string? value)
    {
        Separator();
        _output.Write(Escape(value));
        return this;
    }

    /// <summary>A number cell.</summary>
    public CsvWriter Number(long value)
    {
        Separator();
        _output.Write(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    /// <summary>A time cell, ISO 8601 in UTC (empty when null).</summary>
    public CsvWriter Time(DateTimeOffset? value)
    {
        Separator();
        if (value is { } time)
        {
            _output.Write(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }

        return this;
    }

    /// <summary>A row of text cells.</summary>
    public CsvWriter Row(params ReadOnlySpan<string?> cells)
    {
        foreach (string? cell in cells)
        {
            Text(cell);
        }

        return EndRow();
    }

    /// <summary>Ends the current row.</summary>
    public CsvWriter EndRow()
    {
        _output.Write("\r\n");
        _lineStarted = false;
        return this;
    }

    /// <summary>One text cell, neutralized and quoted as needed.</summary>
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private void Separator()
    {
        if (_lineStarted)
        {
            _output.Write(',');
        }

        _lineStarted = true;
    }
}
