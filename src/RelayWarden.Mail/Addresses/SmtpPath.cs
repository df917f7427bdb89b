using System.Buffers;

namespace RelayWarden.Mail.Addresses;

/// <summary>
/// RFC 5321 path grammar (section 4.1.2), named after its productions: <c>Reverse-path</c>,
/// <c>Forward-path</c>, <c>Mailbox</c>, <c>Dot-string</c>, <c>Quoted-string</c>. UTF-8 is accepted in
/// local parts and domains (RFC 6531). Address literals are read but are invalid as identities.
/// </summary>
public static class SmtpPath
{
    /// <summary>RFC 5321 4.5.3.1.3: longest path, angle brackets included.</summary>
    public const int MaxPathLength = 256;

    /// <summary>RFC 5321 4.5.3.1.1: longest local part.</summary>
    public const int MaxLocalPartLength = 64;

    // RFC 5322 atext, the printable ASCII allowed in a Dot-string atom.
    private static readonly SearchValues<char> s_atextSpecials = SearchValues.Create("!#$%&'*+-/=?^_`{|}~");

    // In a quoted local part, any of these may carry another address or route.
    private static readonly SearchValues<char> s_hiding = SearchValues.Create("@%!<>\",:;\\[]");

    /// <summary>
    /// Parses the argument of MAIL FROM: <c>&lt;&gt;</c>, <c>&lt;addr&gt; PARAMS</c>, and, when
    /// <paramref name="allowBare"/> is set, a bare address or an empty string (the null path).
    /// </summary>
    public static bool TryParseReversePath(ReadOnlySpan<char> argument, bool allowBare, out ReversePath path, out PathError error, out DomainError domainError)
    {
        path = default;
        domainError = DomainError.None;
        argument = argument.Trim(' ');
        if (argument.IsEmpty)
        {
            error = allowBare ? PathError.None : PathError.Syntax;
            return allowBare;
        }

        if (!TrySplitPath(argument, allowBare, out var inner, out var parameters, out error))
        {
            return false;
        }

        if (inner.IsEmpty)
        {
            path = new ReversePath(null, parameters.ToString());
            return true;
        }

        if (!TryParseMailbox(inner, PathKind.Reverse, out var mailbox, out error, out domainError))
        {
            return false;
        }

        path = new ReversePath(mailbox, parameters.ToString());
        return true;
    }

    /// <summary>Parses the argument of RCPT TO: <c>&lt;addr&gt; PARAMS</c> (or a bare address when allowed).</summary>
    public static bool TryParseForwardPath(ReadOnlySpan<char> argument, bool allowBare, out Mailbox mailbox, out string parameters, out PathError error, out DomainError domainError)
    {
        mailbox = null!;
        parameters = string.Empty;
        domainError = DomainError.None;
        argument = argument.Trim(' ');
        if (!TrySplitPath(argument, allowBare, out var inner, out var rest, out error))
        {
            return false;
        }

        if (inner.IsEmpty)
        {
            error = PathError.Syntax;
            return false;
        }

        parameters = rest.ToString();
        return TryParseMailbox(inner, PathKind.Forward, out mailbox, out error, out domainError);
    }

    /// <summary>Splits <c>&lt;inner&gt; params</c>; a bare form is the text up to the first space.</summary>
    private static bool TrySplitPath(ReadOnlySpan<char> argument, bool allowBare, out ReadOnlySpan<char> inner, out ReadOnlySpan<char> parameters, out PathError error)
    {
        inner = default;
        parameters = default;
        error = PathError.None;
        if (argument.IsEmpty)
        {
            error = PathError.Syntax;
            return false;
        }

        if (argument[0] != '<')
        {
            if (!allowBare)
            {
                error = PathError.Syntax;
                return false;
            }

            int space = argument.IndexOf(' ');
            inner = space < 0 ? argument : argument[..space];
            parameters = space < 0 ? default : argument[(space + 1)..].Trim(' ');
            if (inner.IndexOfAny('<', '>') >= 0)
            {
                error = PathError.Syntax;
                return false;
            }

            return CheckLength(inner.Length + 2, out error);
        }

        // Find the closing '>' outside a quoted string.
        bool quoted = false;
        int close = -1;
        for (int i = 1; i < argument.Length; i++)
        {
            char c = argument[i];
            if (quoted && c == '\\')
            {
                i++;
                continue;
            }

            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '>' && !quoted)
            {
                close = i;
                break;
            }
            else if (c == '<' && !quoted)
            {
                error = PathError.Syntax;
                return false;
            }
        }

        if (close < 0)
        {
            error = PathError.Syntax;
            return false;
        }

        inner = argument[1..close];
        var rest = argument[(close + 1)..];
        if (!rest.IsEmpty && rest[0] != ' ')
        {
            error = PathError.Syntax;
            return false;
        }

        parameters = rest.Trim(' ');
        if (!inner.IsEmpty && inner[0] == '@')
        {
            error = PathError.SourceRoute;
            return false;
        }

        return CheckLength(close + 1, out error);
    }

    private static bool CheckLength(int length, out PathError error)
    {
        error = length > MaxPathLength ? PathError.TooLong : PathError.None;
        return error == PathError.None;
    }

    /// <summary>RFC 5321 <c>Mailbox = Local-part "@" ( Domain / address-literal )</c>.</summary>
    public static bool TryParseMailbox(ReadOnlySpan<char> text, PathKind kind, out Mailbox mailbox, out PathError error, out DomainError domainError)
    {
        mailbox = null!;
        domainError = DomainError.None;
        if (text.IsEmpty)
        {
            error = PathError.Syntax;
            return false;
        }

        if (text[0] == '@')
        {
            error = PathError.SourceRoute;
            return false;
        }

        string localPart;
        int at;
        if (text[0] == '"')
        {
            if (!TryQuotedString(text, out int end, out localPart))
            {
                error = PathError.Syntax;
                return false;
            }

            if (localPart.AsSpan().ContainsAny(s_hiding) || localPart.Contains("=?", StringComparison.Ordinal))
            {
                error = PathError.HiddenAddress;
                return false;
            }

            at = end;
            if (at >= text.Length || text[at] != '@')
            {
                error = PathError.Syntax;
                return false;
            }
        }
        else
        {
            at = text.LastIndexOf('@');
            if (at <= 0)
            {
                error = PathError.Syntax;
                return false;
            }

            var local = text[..at];
            if (!IsDotString(local))
            {
                // An '@' or quote inside the local part means a second address.
                error = local.IndexOfAny('@', '"') >= 0 ? PathError.HiddenAddress : PathError.Syntax;
                return false;
            }

            if (local.Contains("=?", StringComparison.Ordinal) && local.Contains("?=", StringComparison.Ordinal))
            {
                error = PathError.HiddenAddress;
                return false;
            }

            if (kind == PathKind.Forward && local.IndexOfAny('%', '!') >= 0)
            {
                error = PathError.RoutingCharacters;
                return false;
            }

            localPart = local.ToString();
        }

        if (System.Text.Encoding.UTF8.GetByteCount(localPart) > MaxLocalPartLength)
        {
            error = PathError.TooLong;
            return false;
        }

        var domain = text[(at + 1)..];
        if (!domain.IsEmpty && domain[0] == '[')
        {
            domainError = DomainError.AddressLiteral;
            error = PathError.InvalidDomain;
            return false;
        }

        if (!DomainName.TryNormalize(domain, out var normalized, out domainError))
        {
            error = domain.IsEmpty ? PathError.Syntax : PathError.InvalidDomain;
            return false;
        }

        error = PathError.None;
        mailbox = new Mailbox(localPart, normalized);
        return true;
    }

    /// <summary>RFC 5321 <c>Dot-string = Atom *("." Atom)</c>, with UTF-8 atext (RFC 6531).</summary>
    internal static bool IsDotString(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text[0] == '.' || text[^1] == '.')
        {
            return false;
        }

        char previous = '\0';
        foreach (char c in text)
        {
            if (c == '.')
            {
                if (previous == '.')
                {
                    return false;
                }
            }
            else if (!IsAtext(c))
            {
                return false;
            }

            previous = c;
        }

        return true;
    }

    internal static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || s_atextSpecials.Contains(c) || (c >= 0x80 && !char.IsControl(c) && !char.IsWhiteSpace(c));

    /// <summary>RFC 5321 <c>Quoted-string</c> starting at text[0]; returns the unquoted content and the index after the closing quote.</summary>
    private static bool TryQuotedString(ReadOnlySpan<char> text, out int end, out string content)
    {
        var builder = new System.Text.StringBuilder();
        for (int i = 1; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                if (i + 1 >= text.Length || text[i + 1] < 0x20 || text[i + 1] == 0x7F)
                {
                    break;
                }

                // Keep the backslash visible so that the caller sees the escape.
                builder.Append('\\').Append(text[++i]);
                continue;
            }

            if (c == '"')
            {
                end = i + 1;
                content = builder.ToString();
                return content.Length > 0;
            }

            if (c < 0x20 || c == 0x7F)
            {
                break;
            }

            builder.Append(c);
        }

        end = 0;
        content = string.Empty;
        return false;
    }

    /// <summary>An operator text for a path error.</summary>
    public static string Describe(PathError error, DomainError domainError) => error switch
    {
        PathError.Syntax => "not a valid address",
        PathError.SourceRoute => "source routes are not accepted",
        PathError.HiddenAddress => "quoted or encoded text that can hide another address",
        PathError.RoutingCharacters => "'%' or '!' routing in the local part",
        PathError.InvalidDomain => "invalid domain: " + DomainName.Describe(domainError),
        PathError.TooLong => "address too long",
        _ => "valid",
    };
}
