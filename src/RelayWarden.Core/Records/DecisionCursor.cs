using System.Globalization;

namespace RelayWarden.Core.Records;

/// <summary>
/// Where a page of decisions ended: the last record's time (Unix milliseconds) and its store sequence.
/// The next page holds records strictly older in (time, sequence) order, so records added meanwhile never
/// shift a page. Written as <c>TIME.SEQUENCE</c>.
/// </summary>
public readonly record struct DecisionCursor(long TimeMilliseconds, long Sequence)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TimeMilliseconds}.{Sequence}");

    /// <summary>Reads <c>TIME.SEQUENCE</c>.</summary>
    public static bool TryParse(string? text, out DecisionCursor cursor)
    {
        cursor = default;
        int dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (text is null || dot <= 0
            || !long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out long time)
            || !long.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long sequence))
        {
            return false;
        }

        cursor = new DecisionCursor(time, sequence);
        return true;
    }
}
