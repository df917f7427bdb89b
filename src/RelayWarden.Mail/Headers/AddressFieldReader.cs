using System.Globalization;
using System.Text;
using System.Text.Unicode;
using MimeKit;
using RelayWarden.Mail.Addresses;

namespace RelayWarden.Mail.Headers;

/// <summary>
/// Reads an identity field (From, Sender, Resent-From, Resent-Sender) twice: with a strict reader of
/// RFC 5322 <c>mailbox-list</c> that refuses every construct a lenient parser could read differently,
/// and with MimeKit in its loosest mode. Any disagreement, or any construct in the strict reader's
/// list of hiding places, makes the field ambiguous.
/// </summary>
public static class AddressFieldReader
{
    private static readonly ParserOptions s_loose = CreateLooseOptions();

    private static ParserOptions CreateLooseOptions()
    {
        var options = ParserOptions.Default.Clone();
        options.AddressParserComplianceMode = RfcComplianceMode.Looser;
        options.AllowAddressesWithoutDomain = true;
        options.AllowUnquotedCommasInAddresses = true;
        options.Rfc2047ComplianceMode = RfcComplianceMode.Looser;
        return options;
    }

    /// <summary>Reads the raw value bytes (after the colon, folding kept) of an identity field.</summary>
    public static AddressField Read(IdentityHeader header, byte[] buffer, int start, int length)
    {
        var raw = buffer.AsSpan(start, length);
        if (!Utf8.IsValid(raw))
        {
            return Ambiguous(header, AddressAmbiguity.InvalidUtf8, "octets that are not UTF-8");
        }

        string value = Unfold(raw);
        var strict = new StrictReader(value);
        if (!strict.TryRead(out var strictMailboxes, out var ambiguity, out var detail))
        {
            return Ambiguous(header, ambiguity, detail);
        }

        if (strictMailboxes.Count == 0)
        {
            return Ambiguous(header, AddressAmbiguity.Empty, "no mailbox");
        }

        if (!InternetAddressList.TryParse(s_loose, buffer, start, length, out var loose))
        {
            return Ambiguous(header, AddressAmbiguity.ParsersDisagree, "the lenient reader finds no address");
        }

        if (loose.Count != strictMailboxes.Count)
        {
            return Ambiguous(header, AddressAmbiguity.ParsersDisagree, $"the strict reader finds {strictMailboxes.Count} mailbox(es), the lenient one {loose.Count}");
        }

        var result = new List<ParsedMailbox>(strictMailboxes.Count);
        for (int i = 0; i < loose.Count; i++)
        {
            if (loose[i] is not MailboxAddress mailbox || mailbox.Route.Count > 0)
            {
                return Ambiguous(header, AddressAmbiguity.ParsersDisagree, "the lenient reader finds a group or a route");
            }

            var (localPart, rawDomain) = strictMailboxes[i];
            if (!string.Equals(Unquote(mailbox.LocalPart), localPart, StringComparison.Ordinal) || !SameDomain(mailbox.Domain, rawDomain))
            {
                return Ambiguous(header, AddressAmbiguity.ParsersDisagree, "the strict and lenient readers find different addresses");
            }

            string name = mailbox.Name ?? string.Empty;
            int encoded = name.IndexOf("=?", StringComparison.Ordinal);
            if (encoded >= 0 && name.IndexOf("?=", encoded + 2, StringComparison.Ordinal) > encoded)
            {
                // Not strictly an encoded word (a '.' or '@' in Q text, say), so MimeKit left it as is;
                // mail readers that decode loosely show "ceo@globex.example" here: judge what they show.
                if (!LooseEncodedWords.TryDecode(name, out name))
                {
                    return Ambiguous(header, AddressAmbiguity.ParsersDisagree, "an encoded word that cannot be decoded (unknown charset or bad encoding)");
                }
            }

            if (HasInvisible(name) || HasInvisible(localPart) || HasInvisible(rawDomain))
            {
                return Ambiguous(header, AddressAmbiguity.InvisibleCharacter, "control, format or filler characters");
            }

            if (name.AsSpan().IndexOfAny('<', '>') >= 0)
            {
                return Ambiguous(header, AddressAmbiguity.NameMimicsAddress, "the display name holds angle brackets");
            }

            Mailbox? normalized = null;
            var domainError = DomainError.None;
            if (rawDomain.StartsWith('['))
            {
                domainError = DomainError.AddressLiteral;
            }
            else if (DomainName.TryNormalize(rawDomain, out var domain, out domainError))
            {
                normalized = new Mailbox(localPart, domain);
            }

            result.Add(new ParsedMailbox(normalized, localPart, rawDomain, domainError, name));
        }

        if (header is IdentityHeader.Sender or IdentityHeader.ResentSender && result.Count > 1)
        {
            return new AddressField(header, result, AddressAmbiguity.SeveralMailboxes, "several mailboxes where one belongs");
        }

        return new AddressField(header, result, AddressAmbiguity.None, string.Empty);
    }

    private static AddressField Ambiguous(IdentityHeader header, AddressAmbiguity ambiguity, string detail) =>
        new(header, Array.Empty<ParsedMailbox>(), ambiguity, detail);

    /// <summary>
    /// MimeKit keeps a quoted local part quoted (<c>"a.b"</c>); the strict reader unquotes it. Quoted
    /// local parts with escapes or hiding characters never get this far (the strict reader refuses them).
    /// </summary>
    private static string Unquote(string localPart) =>
        localPart.Length >= 2 && localPart[0] == '"' && localPart[^1] == '"' ? localPart[1..^1] : localPart;

    private static bool SameDomain(string loose, string strict)
    {
        if (string.Equals(loose, strict, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // MimeKit drops a trailing dot; both readers found the same name, which is then judged
        // invalid (DomainError.TrailingDot), not ambiguous.
        if (strict.Length > 1 && strict[^1] == '.' && strict[^2] != '.' &&
            string.Equals(loose, strict[..^1], StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return DomainName.TryNormalize(loose, out var a, out _) && DomainName.TryNormalize(strict, out var b, out _) &&
            string.Equals(a, b, StringComparison.Ordinal);
    }

    /// <summary>Removes folding line breaks (CRLF or LF before white space); the white space stays.</summary>
    private static string Unfold(ReadOnlySpan<byte> raw)
    {
        string text = Encoding.UTF8.GetString(raw);
        if (text.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is not ('\r' or '\n'))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Characters that hide, reorder or fake text: controls, format characters (bidi, zero-width), fillers, replacement characters.</summary>
    internal static bool HasInvisible(string text)
    {
        foreach (char c in text)
        {
            if (c is ' ' or '\t')
            {
                continue;
            }

            if (c < 0x80)
            {
                if (c < 0x20 || c == 0x7F)
                {
                    return true;
                }

                continue;
            }

            switch (CharUnicodeInfo.GetUnicodeCategory(c))
            {
                case UnicodeCategory.Control:
                case UnicodeCategory.Format:
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                case UnicodeCategory.PrivateUse:
                case UnicodeCategory.OtherNotAssigned:
                    return true;
                case UnicodeCategory.Surrogate:
                    // Paired surrogates are fine (emoji); the pair check happens through Utf8.IsValid above.
                    break;
            }

            if (c is '\uFFFD' or '\u115F' or '\u1160' or '\u3164' or '\uFFA0' or '\u2800' or '\u180E' or '\u00AD')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A strict reader of RFC 5322 <c>mailbox-list</c>: <c>addr-spec</c> or <c>[phrase] "&lt;" addr-spec "&gt;"</c>,
    /// separated by commas. Comments may only hold plain text; obsolete syntax is refused.
    /// </summary>
    private ref struct StrictReader
    {
        private readonly string _text;
        private int _pos;
        private AddressAmbiguity _ambiguity;
        private string _detail;

        public StrictReader(string text)
        {
            _text = text;
            _pos = 0;
            _ambiguity = AddressAmbiguity.None;
            _detail = string.Empty;
        }

        public bool TryRead(out List<(string LocalPart, string Domain)> mailboxes, out AddressAmbiguity ambiguity, out string detail)
        {
            mailboxes = new List<(string, string)>(1);
            bool ok = ReadList(mailboxes);
            ambiguity = ok ? AddressAmbiguity.None : (_ambiguity == AddressAmbiguity.None ? AddressAmbiguity.Unparsable : _ambiguity);
            detail = ok ? string.Empty : (_detail.Length == 0 ? "not RFC 5322 mailbox syntax" : _detail);
            return ok;
        }

        private bool Fail(AddressAmbiguity ambiguity, string detail)
        {
            if (_ambiguity == AddressAmbiguity.None)
            {
                _ambiguity = ambiguity;
                _detail = detail;
            }

            return false;
        }

        private readonly bool AtEnd => _pos >= _text.Length;

        private readonly char Current => _text[_pos];

        private bool ReadList(List<(string, string)> mailboxes)
        {
            while (true)
            {
                if (!SkipCfws())
                {
                    return false;
                }

                if (AtEnd)
                {
                    return mailboxes.Count > 0 || Fail(AddressAmbiguity.Empty, "no mailbox");
                }

                if (!ReadMailbox(mailboxes))
                {
                    return false;
                }

                if (!SkipCfws())
                {
                    return false;
                }

                if (AtEnd)
                {
                    return true;
                }

                if (Current != ',')
                {
                    return Current switch
                    {
                        ':' or ';' => Fail(AddressAmbiguity.Group, "group syntax"),
                        _ => Fail(AddressAmbiguity.Unparsable, $"unexpected '{Current}' after a mailbox"),
                    };
                }

                _pos++;
                if (!SkipCfws())
                {
                    return false;
                }

                if (AtEnd)
                {
                    return Fail(AddressAmbiguity.Unparsable, "a comma with no mailbox after it");
                }
            }
        }

        private bool ReadMailbox(List<(string, string)> mailboxes)
        {
            int start = _pos;

            // addr-spec alone: local-part "@" domain, followed by the end or a comma.
            if (TryAddrSpec(out var local, out var domain))
            {
                int after = _pos;
                if (!SkipCfws())
                {
                    return false;
                }

                if (AtEnd || Current == ',')
                {
                    mailboxes.Add((local, domain));
                    return true;
                }

                _pos = after;
                if (_ambiguity != AddressAmbiguity.None)
                {
                    return false;
                }
            }
            else if (_ambiguity != AddressAmbiguity.None)
            {
                return false;
            }

            // name-addr: [phrase] "<" addr-spec ">".
            _pos = start;
            int words = 0;
            while (true)
            {
                if (!SkipCfws())
                {
                    return false;
                }

                if (AtEnd)
                {
                    break;
                }

                char c = Current;
                if (c == '"')
                {
                    // A display name's quoted string is only judged, never kept: scan it in place.
                    int open = _pos;
                    if (!TryQuotedString(out _, keep: false))
                    {
                        return Fail(AddressAmbiguity.Unparsable, "unterminated quoted string");
                    }

                    var content = _text.AsSpan(open + 1, _pos - open - 2);
                    if (content.Contains("=?", StringComparison.Ordinal))
                    {
                        return Fail(AddressAmbiguity.HiddenInQuotedString, "an encoded word inside a quoted string");
                    }

                    if (content.IndexOfAny('<', '>') >= 0)
                    {
                        return Fail(AddressAmbiguity.NameMimicsAddress, "the display name holds angle brackets");
                    }

                    words++;
                }
                else if (SmtpPath.IsAtext(c) || c == '.')
                {
                    while (!AtEnd && (SmtpPath.IsAtext(Current) || Current == '.'))
                    {
                        _pos++;
                    }

                    words++;
                }
                else
                {
                    break;
                }
            }

            if (AtEnd)
            {
                return Fail(AddressAmbiguity.Unparsable, words > 0 ? "a display name with no address" : "no mailbox");
            }

            switch (Current)
            {
                case '<':
                    break;
                case ':':
                    return Fail(AddressAmbiguity.Group, "group syntax");
                case '@':
                    return Fail(AddressAmbiguity.Unparsable, "an unquoted '@' in the display name");
                default:
                    return Fail(AddressAmbiguity.Unparsable, $"unexpected '{Current}' in a mailbox");
            }

            _pos++;
            SkipWsp();
            if (!AtEnd && Current == '@')
            {
                return Fail(AddressAmbiguity.RouteAddress, "an obsolete route in the address");
            }

            if (!TryAddrSpec(out local, out domain))
            {
                return _ambiguity != AddressAmbiguity.None ? false : Fail(AddressAmbiguity.Unparsable, "not an addr-spec inside angle brackets");
            }

            SkipWsp();
            if (AtEnd || Current != '>')
            {
                return Fail(AddressAmbiguity.Unparsable, "no '>' after the address");
            }

            _pos++;
            mailboxes.Add((local, domain));
            return true;
        }

        /// <summary><c>addr-spec = local-part "@" domain</c> with nothing between the parts; domain literals are read (and judged invalid later).</summary>
        private bool TryAddrSpec(out string local, out string domain)
        {
            local = string.Empty;
            domain = string.Empty;
            int start = _pos;
            if (AtEnd)
            {
                return false;
            }

            if (Current == '"')
            {
                // Most quoted strings are display names: find the end first, keep the text only for a local part.
                if (!TryQuotedString(out _, keep: false) || AtEnd || Current != '@')
                {
                    _pos = start;
                    return false;
                }

                _pos = start;
                TryQuotedString(out local);

                if (local.Length == 0 || local.AsSpan().IndexOfAny("@%!<>\",:;\\[]") >= 0 || local.Contains("=?", StringComparison.Ordinal))
                {
                    return Fail(AddressAmbiguity.HiddenInQuotedString, "a quoted local part that can hide another address");
                }
            }
            else
            {
                while (!AtEnd && (SmtpPath.IsAtext(Current) || Current == '.'))
                {
                    _pos++;
                }

                if (AtEnd || Current != '@' || _pos == start)
                {
                    _pos = start;
                    return false;
                }

                local = _text[start.._pos];
                if (!SmtpPath.IsDotString(local))
                {
                    return Fail(AddressAmbiguity.Unparsable, "a malformed local part");
                }

                if (local.Contains("=?", StringComparison.Ordinal))
                {
                    return Fail(AddressAmbiguity.EncodedWordInAddress, "an encoded word inside an address");
                }
            }

            _pos++; // '@'
            int domainStart = _pos;
            if (!AtEnd && Current == '[')
            {
                int close = _text.IndexOf(']', _pos);
                if (close < 0)
                {
                    return Fail(AddressAmbiguity.Unparsable, "an unterminated domain literal");
                }

                _pos = close + 1;
            }
            else
            {
                while (!AtEnd && (SmtpPath.IsAtext(Current) || Current == '.'))
                {
                    _pos++;
                }
            }

            domain = _text[domainStart.._pos];
            if (domain.Length == 0)
            {
                return Fail(AddressAmbiguity.Unparsable, "an address with no domain");
            }

            if (domain.Contains("=?", StringComparison.Ordinal))
            {
                return Fail(AddressAmbiguity.EncodedWordInAddress, "an encoded word inside an address");
            }

            if (!AtEnd && Current == '@')
            {
                return Fail(AddressAmbiguity.Unparsable, "two '@' in one address");
            }

            return true;
        }

        /// <summary>Reads a quoted string at the cursor; with <paramref name="keep"/> false only its end is found (no allocation).</summary>
        private bool TryQuotedString(out string content, bool keep = true)
        {
            var builder = keep ? new StringBuilder() : null;
            int start = _pos;
            _pos++;
            while (!AtEnd)
            {
                char c = Current;
                if (c == '\\')
                {
                    if (_pos + 1 >= _text.Length)
                    {
                        break;
                    }

                    builder?.Append('\\').Append(_text[_pos + 1]);
                    _pos += 2;
                    continue;
                }

                _pos++;
                if (c == '"')
                {
                    content = builder?.ToString() ?? string.Empty;
                    return true;
                }

                builder?.Append(c);
            }

            _pos = start;
            content = string.Empty;
            return false;
        }

        private void SkipWsp()
        {
            while (!AtEnd && Current is ' ' or '\t')
            {
                _pos++;
            }
        }

        /// <summary>Skips white space and plain comments; a comment that can hide an address fails.</summary>
        private bool SkipCfws()
        {
            while (!AtEnd)
            {
                char c = Current;
                if (c is ' ' or '\t')
                {
                    _pos++;
                    continue;
                }

                if (c != '(')
                {
                    return true;
                }

                int close = -1;
                for (int i = _pos + 1; i < _text.Length; i++)
                {
                    char d = _text[i];
                    if (d is '(' or '@' or '<' or '>' or '"' or '\\')
                    {
                        return Fail(AddressAmbiguity.HiddenInComment, "a comment holding an address, brackets, quotes or a nested comment");
                    }

                    if (d == ')')
                    {
                        close = i;
                        break;
                    }
                }

                if (close < 0)
                {
                    return Fail(AddressAmbiguity.Unparsable, "an unterminated comment");
                }

                if (_text.AsSpan(_pos, close - _pos).Contains("=?", StringComparison.Ordinal))
                {
                    return Fail(AddressAmbiguity.HiddenInComment, "an encoded word inside a comment");
                }

                _pos = close + 1;
            }

            return true;
        }
    }
}
