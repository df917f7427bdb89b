using System.Text;
using System.Buffers;

namespace RelayWarden.Mail.Headers;

/// <summary>
/// The result of one strict pass over a raw header block: where the identity fields are, how often
/// each occurs, and the first defect found. Only the topmost <c>Resent-*</c> block counts.
/// Reading stops at the first empty line: headers of attached messages are never seen.
/// </summary>
public sealed class HeaderBlock
{
    private static readonly SearchValues<byte> s_lineSpecials = SearchValues.Create("\r\n\0"u8);

    private readonly RawField[] _first = new RawField[4];
    private readonly int[] _count = new int[4];

    private HeaderBlock()
    {
    }

    /// <summary>The first defect found, or <see cref="HeaderDefect.None"/>.</summary>
    public HeaderDefect Defect { get; private set; }

    /// <summary>1-based line of the defect.</summary>
    public int DefectLine { get; private set; }

    /// <summary>Octets of the header block, the blank line excluded.</summary>
    public int Length { get; private set; }

    /// <summary>Number of fields read.</summary>
    public int FieldCount { get; private set; }

    /// <summary>True when lines end with a bare LF (a file written on Unix), false for CRLF.</summary>
    public bool LineFeedOnly { get; private set; }

    /// <summary>The first <c>Message-ID</c> field, if any.</summary>
    public RawField? MessageId { get; private set; }

    /// <summary>The first <c>Subject</c> field, if any.</summary>
    public RawField? Subject { get; private set; }

    /// <summary>How many times an identity field occurs (Resent-* fields: in the topmost block only).</summary>
    public int Count(IdentityHeader header) => _count[(int)header];

    /// <summary>The first occurrence of an identity field.</summary>
    public RawField? First(IdentityHeader header) => _count[(int)header] == 0 ? null : _first[(int)header];

    /// <summary>True when the topmost resent block exists.</summary>
    public bool HasResentBlock { get; private set; }

    /// <summary>Reads the header block at the start of <paramref name="message"/> (a whole message or its header alone).</summary>
    public static HeaderBlock Read(ReadOnlySpan<byte> message, HeaderLimits limits)
    {
        var block = new HeaderBlock();
        block.Scan(message, limits);
        return block;
    }

    private void Fail(HeaderDefect defect, int line)
    {
        if (Defect == HeaderDefect.None)
        {
            Defect = defect;
            DefectLine = line;
        }
    }

    private enum ResentState
    {
        Before,
        Inside,
        After,
    }

    private void Scan(ReadOnlySpan<byte> data, HeaderLimits limits)
    {
        int firstLf = data.IndexOf((byte)'\n');
        LineFeedOnly = firstLf >= 0 && (firstLf == 0 || data[firstLf - 1] != (byte)'\r');

        int position = 0;
        int line = 0;
        int currentKind = -1;         // identity header being continued, or -1
        int currentStart = -1;        // value start of the field being continued
        int currentIdentity = -1;     // identity kind of the field being continued (for line length)
        int currentEnd = -1;          // end of the value read so far (line break excluded)
        int currentLine = 0;          // line where the field started
        var resent = ResentState.Before;

        while (position < data.Length)
        {
            line++;
            if (position > limits.MaxHeaderBytes)
            {
                Fail(HeaderDefect.TooLarge, line);
                break;
            }

            // Find the end of this line and check its terminator.
            var rest = data[position..];
            int lineEnd;          // index after the line's content
            int next;             // index of the next line
            int special = rest.IndexOfAny(s_lineSpecials);
            while (true)
            {
                if (special < 0)
                {
                    lineEnd = data.Length;
                    next = data.Length;
                    break;
                }

                int at = position + special;
                byte b = data[at];
                if (b == 0)
                {
                    Fail(HeaderDefect.Nul, line);
                }
                else if (b == (byte)'\r')
                {
                    if (!LineFeedOnly && at + 1 < data.Length && data[at + 1] == (byte)'\n')
                    {
                        lineEnd = at;
                        next = at + 2;
                        break;
                    }

                    Fail(HeaderDefect.BareCarriageReturn, line);
                }
                else
                {
                    if (LineFeedOnly)
                    {
                        lineEnd = at;
                        next = at + 1;
                        break;
                    }

                    Fail(HeaderDefect.BareLineFeed, line);
                }

                int after = at + 1 - position;
                int more = rest[after..].IndexOfAny(s_lineSpecials);
                special = more < 0 ? -1 : after + more;
            }

            var content = data[position..lineEnd];
            if (content.IsEmpty)
            {
                // The blank line ends the header block.
                Finish(currentKind, currentStart, currentEnd, currentLine);
                Length = position;
                return;
            }

            if (content[0] is (byte)' ' or (byte)'\t')
            {
                if (currentStart < 0)
                {
                    Fail(HeaderDefect.ContinuationWithoutField, line);
                }
                else if (currentIdentity >= 0 && content.Length > limits.MaxIdentityLineLength)
                {
                    Fail(HeaderDefect.LineTooLong, line);
                }

                currentEnd = lineEnd;
                position = next;
                continue;
            }

            // A new field: close the previous one.
            Finish(currentKind, currentStart, currentEnd, currentLine);
            currentKind = -1;
            currentStart = -1;
            currentIdentity = -1;
            if (++FieldCount > limits.MaxFields)
            {
                Fail(HeaderDefect.TooManyFields, line);
                break;
            }

            int colon = content.IndexOf((byte)':');
            if (colon <= 0)
            {
                Fail(colon == 0 ? HeaderDefect.InvalidFieldName : HeaderDefect.LineWithoutColon, line);
                position = next;
                continue;
            }

            var rawName = content[..colon];
            var name = rawName.TrimEnd(" \t"u8);
            bool spaceBeforeColon = name.Length != rawName.Length;
            if (name.IsEmpty || name.IndexOfAnyExceptInRange((byte)33, (byte)126) >= 0)
            {
                Fail(HeaderDefect.InvalidFieldName, line);
                position = next;
                continue;
            }

            int identity = Classify(name, out bool isResent, out int other);
            if (spaceBeforeColon && identity >= 0)
            {
                Fail(HeaderDefect.SpaceBeforeColon, line);
            }

            if (identity >= 0 && content.Length > limits.MaxIdentityLineLength)
            {
                Fail(HeaderDefect.LineTooLong, line);
            }

            // Resent-* fields: only the first contiguous block (the topmost) counts.
            if (isResent)
            {
                if (resent == ResentState.Before)
                {
                    resent = ResentState.Inside;
                    HasResentBlock = true;
                }
                else if (resent == ResentState.After)
                {
                    identity = -1;
                }
            }
            else if (resent == ResentState.Inside)
            {
                resent = ResentState.After;
            }

            int valueStart = position + colon + 1;
            currentEnd = lineEnd;
            currentLine = line;
            if (identity >= 0)
            {
                currentIdentity = identity;
                currentKind = identity;
                currentStart = valueStart;
                _count[identity]++;
            }
            else if (other > 0)
            {
                currentKind = 100 + other;
                currentStart = valueStart;
            }
            else
            {
                currentStart = valueStart;
            }

            position = next;
        }

        // No blank line: the whole input was a header block.
        Finish(currentKind, currentStart, currentEnd, currentLine);
        Length = data.Length;
    }

    private void Finish(int kind, int valueStart, int valueEnd, int line)
    {
        if (kind < 0 || valueStart < 0)
        {
            return;
        }

        var field = new RawField(valueStart, Math.Max(0, valueEnd - valueStart), line);
        if (kind < 100)
        {
            if (_count[kind] == 1)
            {
                _first[kind] = field;
            }
        }
        else if (kind == 101 && MessageId is null)
        {
            MessageId = field;
        }
        else if (kind == 102 && Subject is null)
        {
            Subject = field;
        }
    }

    /// <summary>Identity kind (or -1), whether the field is a Resent-* field, and 1 = Message-ID, 2 = Subject.</summary>
    private static int Classify(ReadOnlySpan<byte> name, out bool isResent, out int other)
    {
        other = 0;
        isResent = name.Length > 7 && Ascii.EqualsIgnoreCase(name[..7], "resent-"u8);
        if (isResent)
        {
            var tail = name[7..];
            if (Ascii.EqualsIgnoreCase(tail, "from"u8))
            {
                return (int)IdentityHeader.ResentFrom;
            }

            return Ascii.EqualsIgnoreCase(tail, "sender"u8) ? (int)IdentityHeader.ResentSender : -1;
        }

        if (Ascii.EqualsIgnoreCase(name, "from"u8))
        {
            return (int)IdentityHeader.From;
        }

        if (Ascii.EqualsIgnoreCase(name, "sender"u8))
        {
            return (int)IdentityHeader.Sender;
        }

        if (Ascii.EqualsIgnoreCase(name, "message-id"u8))
        {
            other = 1;
        }
        else if (Ascii.EqualsIgnoreCase(name, "subject"u8))
        {
            other = 2;
        }

        return -1;
    }
}
