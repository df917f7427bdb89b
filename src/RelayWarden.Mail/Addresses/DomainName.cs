using System.Text;
using System.Buffers;
using System.Globalization;

namespace RelayWarden.Mail.Addresses;

/// <summary>
/// Domain normalization shared by every door: lower case, IDNA A-labels, no trailing dot.
/// A name that cannot be normalized is invalid, never "external".
/// </summary>
public static class DomainName
{
    /// <summary>Longest name in octets (RFC 1035 minus the root label).</summary>
    public const int MaxLength = 253;

    /// <summary>Longest label in octets (RFC 1035).</summary>
    public const int MaxLabelLength = 63;

    private static readonly SearchValues<char> s_ldh =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-.");

    [ThreadStatic]
    private static IdnMapping? t_idn;

    private static IdnMapping Idn => t_idn ??= new IdnMapping { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>Normalizes <paramref name="input"/>; on failure says why.</summary>
    public static bool TryNormalize(ReadOnlySpan<char> input, out string normalized, out DomainError error)
    {
        normalized = string.Empty;
        if (input.Length <= MaxLength)
        {
            Span<char> buffer = stackalloc char[MaxLength];
            if (TryNormalizeAscii(input, buffer, out int written, out error))
            {
                normalized = new string(buffer[..written]);
                return true;
            }

            if (error != DomainError.None)
            {
                return false;
            }
        }
        else if (Ascii.IsValid(input))
        {
            // Too long whatever IDNA would say: name the real reason.
            error = DomainError.NameTooLong;
            return false;
        }

        return TryNormalizeSlow(input, out normalized, out error);
    }

    /// <summary>
    /// Normalizes into <paramref name="destination"/> without allocating when the name is ASCII.
    /// Returns false with <see cref="DomainError.None"/> when the name needs IDNA (non-ASCII) or is
    /// too long for the buffer: call <see cref="TryNormalize(ReadOnlySpan{char}, out string, out DomainError)"/> then.
    /// </summary>
    public static bool TryNormalizeAscii(ReadOnlySpan<char> input, Span<char> destination, out int written, out DomainError error)
    {
        written = 0;
        error = DomainError.None;
        if (!Ascii.IsValid(input) || input.Length > destination.Length)
        {
            if (input.Length > MaxLength && Ascii.IsValid(input))
            {
                error = DomainError.NameTooLong;
            }

            return false;
        }

        if (Ascii.ToLower(input, destination, out written) != OperationStatus.Done)
        {
            return false;
        }

        var name = destination[..written];
        error = Validate(name);
        if (error == DomainError.None)
        {
            error = CheckALabels(name);
        }

        return error == DomainError.None;
    }

    /// <summary>A-labels must decode: a bogus "xn--" label is invalid, not external.</summary>
    private static DomainError CheckALabels(ReadOnlySpan<char> name)
    {
        if (!name.Contains("xn--", StringComparison.Ordinal))
        {
            return DomainError.None;
        }

        try
        {
            _ = Idn.GetUnicode(name.ToString());
            return DomainError.None;
        }
        catch (ArgumentException)
        {
            return DomainError.InvalidIdn;
        }
    }

    private static bool TryNormalizeSlow(ReadOnlySpan<char> input, out string normalized, out DomainError error)
    {
        normalized = string.Empty;
        if (input.IsEmpty)
        {
            error = DomainError.Empty;
            return false;
        }

        // IDNA maps case (UTS #46); the managed IdnMapping of invariant globalization does not, and
        // it cannot normalize either: lower-case here and refuse what would need a compatibility or
        // NFC mapping, so that BÜCHER.example, bu\u0308cher.example or ｇｌｏｂｅｘ.example can never
        // become a different, "external" A-label.
        string lowered = input.ToString().ToLowerInvariant();
        if (!IsStableUnicode(lowered))
        {
            error = DomainError.InvalidIdn;
            return false;
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(lowered);
        }
        catch (ArgumentException)
        {
            error = input[^1] is '.' or '\u3002' or '\uFF0E' or '\uFF61' ? DomainError.TrailingDot : DomainError.InvalidIdn;
            return false;
        }

        ascii = ascii.ToLowerInvariant();
        error = Validate(ascii);
        if (error == DomainError.None)
        {
            // Unicode input may carry A-labels too ("xn--b\u3002example"): they must decode as well.
            error = CheckALabels(ascii);
        }

        if (error != DomainError.None)
        {
            return false;
        }

        normalized = ascii;
        return true;
    }

    /// <summary>
    /// True when every non-ASCII character of a lower-cased name is one IDNA keeps as it is: a letter,
    /// a mark or a decimal digit outside the compatibility blocks (full-width and half-width forms,
    /// letter-like symbols, number forms, enclosed alphanumerics, presentation forms), and no
    /// combining mark on a Latin, Greek or Cyrillic letter (their NFC forms are precomposed).
    /// </summary>
    private static bool IsStableUnicode(string lowered)
    {
        for (int i = 0; i < lowered.Length; i++)
        {
            char c = lowered[i];
            if (c < 0x80 || c is '\u3002' or '\uFF0E' or '\uFF61')
            {
                continue;
            }

            if (c is (>= '\u2100' and <= '\u24FF') or (>= '\uFB00' and <= '\uFB4F') or (>= '\uFE00' and <= '\uFE0F') or (>= '\uFF00' and <= '\uFFEF') or (>= '\u3300' and <= '\u33FF'))
            {
                return false;
            }

            switch (CharUnicodeInfo.GetUnicodeCategory(c))
            {
                case UnicodeCategory.LowercaseLetter:
                case UnicodeCategory.OtherLetter:
                case UnicodeCategory.DecimalDigitNumber:
                    break;
                case UnicodeCategory.ModifierLetter:
                    // Keep ー and 々 (CJK); refuse superscript letters, which IDNA maps to plain ones.
                    if (c is (>= '\u02B0' and <= '\u02FF') or (>= '\u1D2C' and <= '\u1DBF') or (>= '\uA700' and <= '\uA7FF'))
                    {
                        return false;
                    }

                    break;
                case UnicodeCategory.NonSpacingMark:
                case UnicodeCategory.SpacingCombiningMark:
                case UnicodeCategory.EnclosingMark:
                    if (i == 0 || lowered[i - 1] < '\u0530')
                    {
                        return false;
                    }

                    break;
                default:
                    // Upper case that did not lower, title case,
                    // symbols, punctuation, spaces, controls, surrogates (mathematical letters, emoji).
                    return false;
            }
        }

        return true;
    }

    /// <summary>Checks an already lower-cased ASCII name.</summary>
    private static DomainError Validate(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return DomainError.Empty;
        }

        if (name[0] == '[')
        {
            return DomainError.AddressLiteral;
        }

        if (name[^1] == '.')
        {
            return DomainError.TrailingDot;
        }

        if (name.Length > MaxLength)
        {
            return DomainError.NameTooLong;
        }

        if (name.ContainsAnyExcept(s_ldh))
        {
            return DomainError.NotLdh;
        }

        int labels = 0;
        foreach (var range in name.Split('.'))
        {
            var label = name[range];
            labels++;
            if (label.IsEmpty)
            {
                return DomainError.EmptyLabel;
            }

            if (label.Length > MaxLabelLength)
            {
                return DomainError.LabelTooLong;
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                return DomainError.NotLdh;
            }

            // IDNA2008 reserves "??--" labels for A-labels.
            if (label.Length >= 4 && label[2] == '-' && label[3] == '-' && !label.StartsWith("xn--"))
            {
                return DomainError.NotLdh;
            }
        }

        return labels < 2 ? DomainError.SingleLabel : DomainError.None;
    }

    /// <summary>The Unicode form of a normalized name, for people (never for comparisons).</summary>
    public static string ToUnicode(string normalized)
    {
        try
        {
            return Idn.GetUnicode(normalized);
        }
        catch (ArgumentException)
        {
            return normalized;
        }
    }

    /// <summary>A short operator text for an error.</summary>
    public static string Describe(DomainError error) => error switch
    {
        DomainError.Empty => "empty domain",
        DomainError.TrailingDot => "trailing dot",
        DomainError.AddressLiteral => "address literal instead of a domain name",
        DomainError.EmptyLabel => "empty label",
        DomainError.LabelTooLong => "label longer than 63 octets",
        DomainError.NameTooLong => "name longer than 253 octets",
        DomainError.NotLdh => "characters other than letters, digits and hyphens",
        DomainError.SingleLabel => "single-label name",
        DomainError.InvalidIdn => "invalid internationalized name",
        _ => "valid",
    };
}
