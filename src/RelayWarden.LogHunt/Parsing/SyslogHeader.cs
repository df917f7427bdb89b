using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace RelayWarden.LogHunt.Parsing;

/// <summary>
/// Reads the header of a log line, in any of the formats a Postfix or Exim log comes in:
/// RFC 3164 (<c>Nov 22 21:37:00 host postfix/smtpd[12]: ...</c>, no year, optional fraction, which is also
/// Postfix's own <c>maillog_file</c> format), RFC 5424 (<c>&lt;22&gt;1 2026-11-22T21:37:00.1Z host postfix/smtpd 12 - - ...</c>),
/// ISO-8601 syslog (<c>2026-11-22T21:37:00.123+01:00 host postfix/smtpd[12]: ...</c>) and Exim's mainlog
/// (<c>2026-11-22 21:37:00 [+0100] [[pid]] ...</c>). No Regex: byte spans only.
/// </summary>
/// <remarks>
/// RFC 3164 has no year and no zone: the year comes from a reference time (the file's modification time, or
/// now): the first line takes the reference's year, or the year before when that would lie more than a day after
/// the reference; a month going backwards (December to January) moves to the next year. Zone-less times are read
/// with <see cref="ZonelessOffset"/> (default UTC).
/// </remarks>
public sealed class SyslogHeader
{
    private static ReadOnlySpan<byte> Months => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    private readonly byte[] _cachedStamp = new byte[40];
    private int _cachedLength;
    private DateTimeOffset _cachedTime;
    private int _year;
    private int _lastMonth;
    private DateTimeOffset _reference = DateTimeOffset.UnixEpoch;

    /// <summary>The offset of timestamps without a zone (RFC 3164, Exim without <c>log_timezone</c>). Default UTC.</summary>
    public TimeSpan ZonelessOffset { get; init; }

    /// <summary>A fixed year for RFC 3164 lines (overrides the inference), or 0.</summary>
    public int FixedYear { get; init; }

    /// <summary>Starts a new source: RFC 3164 years are inferred again from <paramref name="reference"/>.</summary>
    public void BeginSource(DateTimeOffset reference)
    {
        _reference = reference;
        _year = 0;
        _lastMonth = 0;
        _cachedLength = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryParse(ReadOnlySpan<byte> line, out LogLine parsed)
    {
        parsed = default;
        if (line.Length < 16)
        {
            return false;
        }

        if (line[0] == (byte)'<')
        {
            int close = line[..Math.Min(line.Length, 5)].IndexOf((byte)'>');
            if (close < 2)
            {
                return false;
            }

            line = line[(close + 1)..];
            if (line.Length > 2 && line[0] == (byte)'1' && line[1] == (byte)' ')
            {
                return TryRfc5424(line[2..], ref parsed);
            }
        }

        if (line.Length < 16)
        {
            return false;
        }

        if (IsDigit(line[0]))
        {
            if (line.Length > 19 && line[10] == (byte)' ')
            {
                return TryExim(line, ref parsed);
            }

            int space = line.IndexOf((byte)' ');
            if (space < 19 || !TryIso(line[..space], out parsed.Time))
            {
                return false;
            }

            return TryTagged(line[(space + 1)..], ref parsed);
        }

        // RFC 3164: "Mmm dd hh:mm:ss[.frac] ".
        int end = 15;
        if (line.Length > end && line[end] == (byte)'.')
        {
            end++;
            while (end < line.Length && IsDigit(line[end]))
            {
                end++;
            }
        }

        if (end >= line.Length || line[end] != (byte)' ' || !TryRfc3164(line[..15], out parsed.Time))
        {
            return false;
        }

        if (end > 16)
        {
            parsed.Time = parsed.Time.AddTicks(FractionTicks(line[16..end]));
        }

        return TryTagged(line[(end + 1)..], ref parsed);
    }

    /// <summary>"host tag[pid]: message" or "host tag: message".</summary>
    private static bool TryTagged(ReadOnlySpan<byte> rest, ref LogLine parsed)
    {
        int space = rest.IndexOf((byte)' ');
        if (space <= 0)
        {
            return false;
        }

        parsed.Host = rest[..space];
        rest = rest[(space + 1)..];
        int colon = rest.IndexOf(": "u8);
        if (colon <= 0)
        {
            return false;
        }

        var tag = rest[..colon];
        if (tag.IndexOf((byte)' ') >= 0)
        {
            return false;
        }

        int bracket = tag.IndexOf((byte)'[');
        if (bracket > 0 && tag[^1] == (byte)']')
        {
            parsed.Program = tag[..bracket];
            parsed.Pid = tag[(bracket + 1)..^1];
        }
        else
        {
            parsed.Program = tag;
        }

        parsed.Message = rest[(colon + 2)..];
        return true;
    }

    /// <summary>RFC 5424 after "&lt;PRI&gt;1 ": TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG.</summary>
    private bool TryRfc5424(ReadOnlySpan<byte> rest, ref LogLine parsed)
    {
        Span<Range> fields = stackalloc Range[6];
        int start = 0;
        for (int i = 0; i < 5; i++)
        {
            int space = rest[start..].IndexOf((byte)' ');
            if (space < 0)
            {
                return false;
            }

            fields[i] = new Range(start, start + space);
            start += space + 1;
        }

        if (!TryIso(rest[fields[0]], out parsed.Time))
        {
            return false;
        }

        parsed.Host = rest[fields[1]];
        parsed.Program = rest[fields[2]];
        parsed.Pid = rest[fields[3]];
        var tail = rest[start..];
        if (tail.Length > 0 && tail[0] == (byte)'[')
        {
            // Structured data: skip the elements (a ']' inside a quoted value is escaped as "\]").
            int i = 0;
            while (i < tail.Length && tail[i] == (byte)'[')
            {
                i++;
                while (i < tail.Length && tail[i] != (byte)']')
                {
                    i += tail[i] == (byte)'\\' ? 2 : 1;
                }

                i++;
            }

            tail = i < tail.Length ? tail[i..] : default;
        }
        else if (tail.Length > 0 && tail[0] == (byte)'-')
        {
            tail = tail[1..];
        }

        if (tail.Length > 0 && tail[0] == (byte)' ')
        {
            tail = tail[1..];
        }

        // A UTF-8 BOM may start MSG.
        if (tail.StartsWith("\xEF\xBB\xBF"u8))
        {
            tail = tail[3..];
        }

        parsed.Message = tail;
        return true;
    }

    /// <summary>Exim: "YYYY-MM-DD hh:mm:ss[.fff] [+hhmm] [[pid]] message".</summary>
    private bool TryExim(ReadOnlySpan<byte> line, ref LogLine parsed)
    {
        if (!TryDate(line, out int year, out int month, out int day) || !TryClock(line[11..], out int h, out int m, out int s))
        {
            return false;
        }

        var rest = line[19..];
        long fraction = TakeFraction(ref rest);

        if (rest.Length == 0 || rest[0] != (byte)' ')
        {
            return false;
        }

        rest = rest[1..];
        var offset = ZonelessOffset;
        if (rest.Length > 5 && (rest[0] == (byte)'+' || rest[0] == (byte)'-') && IsDigit(rest[1]) && rest[5] == (byte)' ')
        {
            int hh = ((rest[1] - '0') * 10) + (rest[2] - '0');
            int mm = ((rest[3] - '0') * 10) + (rest[4] - '0');
            offset = new TimeSpan(hh, mm, 0) * (rest[0] == (byte)'-' ? -1 : 1);
            rest = rest[6..];
        }

        if (rest.Length > 0 && rest[0] == (byte)'[')
        {
            int close = rest.IndexOf((byte)']');
            if (close > 0)
            {
                parsed.Pid = rest[1..close];
                rest = close + 1 < rest.Length ? rest[(close + 2)..] : default;
            }
        }

        if (!TryBuild(year, month, day, h, m, s, fraction, offset, out parsed.Time))
        {
            return false;
        }

        parsed.Message = rest;
        parsed.IsExim = true;
        return true;
    }

    private bool TryRfc3164(ReadOnlySpan<byte> stamp, out DateTimeOffset time)
    {
        time = default;
        if (_cachedLength == stamp.Length && stamp.SequenceEqual(_cachedStamp.AsSpan(0, _cachedLength)))
        {
            time = _cachedTime;
            return true;
        }

        int month = Months.IndexOf(stamp[..3]);
        if (month < 0 || month % 3 != 0 || stamp[3] != (byte)' ')
        {
            return false;
        }

        month = (month / 3) + 1;
        int day = stamp[4] == (byte)' ' ? 0 : stamp[4] - '0';
        if (stamp[5] < '0' || stamp[5] > '9' || day < 0 || day > 3)
        {
            return false;
        }

        day = (day * 10) + (stamp[5] - '0');
        if (stamp[6] != (byte)' ' || !TryClock(stamp[7..], out int h, out int m, out int s))
        {
            return false;
        }

        int year = YearFor(month, day);
        if (!TryBuild(year, month, day, h, m, s, 0, ZonelessOffset, out time))
        {
            return false;
        }

        stamp.CopyTo(_cachedStamp);
        _cachedLength = stamp.Length;
        _cachedTime = time;
        return true;
    }

    private int YearFor(int month, int day)
    {
        if (FixedYear > 0 && _year == 0)
        {
            _year = FixedYear;
        }
        else if (_year == 0)
        {
            _year = _reference.Year;
            if (month > _reference.Month || (month == _reference.Month && day > _reference.Day + 1))
            {
                _year--;
            }
        }
        else if (month < _lastMonth && _lastMonth - month >= 6)
        {
            _year++; // December to January.
        }

        _lastMonth = month;
        return _year;
    }

    /// <summary>ISO-8601 / RFC 3339 date-time with an offset or Z; fraction optional.</summary>
    private bool TryIso(ReadOnlySpan<byte> text, out DateTimeOffset time)
    {
        time = default;
        if (_cachedLength == text.Length && text.SequenceEqual(_cachedStamp.AsSpan(0, _cachedLength)))
        {
            time = _cachedTime;
            return true;
        }

        if (text.Length < 19 || text.Length > _cachedStamp.Length || text[10] != (byte)'T' ||
            !TryDate(text, out int year, out int month, out int day) || !TryClock(text[11..], out int h, out int m, out int s))
        {
            return false;
        }

        var rest = text[19..];
        long fraction = TakeFraction(ref rest);

        var offset = ZonelessOffset;
        if (rest.Length == 1 && (rest[0] == (byte)'Z' || rest[0] == (byte)'z'))
        {
            offset = TimeSpan.Zero;
        }
        else if (rest.Length == 6 && (rest[0] == (byte)'+' || rest[0] == (byte)'-') && rest[3] == (byte)':' &&
            Utf8Parser.TryParse(rest[1..3], out int oh, out _) && Utf8Parser.TryParse(rest[4..6], out int om, out _))
        {
            offset = new TimeSpan(oh, om, 0) * (rest[0] == (byte)'-' ? -1 : 1);
        }
        else if (rest.Length != 0)
        {
            return false;
        }

        if (!TryBuild(year, month, day, h, m, s, fraction, offset, out time))
        {
            return false;
        }

        text.CopyTo(_cachedStamp);
        _cachedLength = text.Length;
        _cachedTime = time;
        return true;
    }

    private static bool TryDate(ReadOnlySpan<byte> text, out int year, out int month, out int day)
    {
        year = month = day = 0;
        return text[4] == (byte)'-' && text[7] == (byte)'-' &&
            TryDigits(text[..4], out year) && TryDigits(text.Slice(5, 2), out month) && TryDigits(text.Slice(8, 2), out day);
    }

    private static bool TryClock(ReadOnlySpan<byte> text, out int h, out int m, out int s)
    {
        h = m = s = 0;
        return text.Length >= 8 && text[2] == (byte)':' && text[5] == (byte)':' &&
            TryDigits(text[..2], out h) && TryDigits(text.Slice(3, 2), out m) && TryDigits(text.Slice(6, 2), out s);
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (byte b in text)
        {
            if (!IsDigit(b))
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    /// <summary>Reads an optional ".digits" at the start of <paramref name="rest"/> (seconds' fraction) and returns it in ticks.</summary>
    private static long TakeFraction(ref ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty || rest[0] != (byte)'.')
        {
            return 0;
        }

        int i = 1;
        while (i < rest.Length && IsDigit(rest[i]))
        {
            i++;
        }

        long fraction = FractionTicks(rest[1..i]);
        rest = rest[i..];
        return fraction;
    }

    private static long FractionTicks(ReadOnlySpan<byte> digits)
    {
        long ticks = 0;
        for (int i = 0; i < 7; i++)
        {
            ticks = (ticks * 10) + (i < digits.Length ? digits[i] - '0' : 0);
        }

        return ticks;
    }

    private static bool TryBuild(int year, int month, int day, int h, int m, int s, long fraction, TimeSpan offset, out DateTimeOffset time)
    {
        time = default;
        if (offset.Ticks is > TimeSpan.TicksPerHour * 14 or < -TimeSpan.TicksPerHour * 14 || year < 1970 || year > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || h > 23 || m > 59 || s > 60)
        {
            return false;
        }

        time = new DateTimeOffset(new DateTime(year, month, day, h, m, Math.Min(s, 59)).AddTicks(fraction), offset);
        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
