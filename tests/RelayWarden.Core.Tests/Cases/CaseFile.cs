using System.Globalization;
using System.Net;
using System.Text;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Tests.Cases;

/// <summary>
/// A golden case: a few submission headers, a blank line, then the raw message.
/// <code>
/// client-ip: 198.51.100.7          (or "none")
/// auth-user: alice@acme.example    (optional)
/// mail-from: &lt;&gt;                    (the MAIL FROM argument; empty = empty string)
/// rcpt: &lt;victim@customer.example&gt;  (repeat for more)
/// lenient-mail-from: yes           (optional: bare addresses and '' allowed, as for logs and the CLI)
/// stage: data                      (optional: mail or data)
/// line-endings: crlf               (crlf: each message line gets CRLF; lf: LF; raw: nothing, write \r \n)
///
/// From: ...
/// </code>
/// In header values and message lines, escapes give exact octets: <c>\r</c>, <c>\n</c>, <c>\t</c>,
/// <c>\0</c>, <c>\xHH</c> (one raw octet, also invalid UTF-8) and <c>\\</c>. Anything else is UTF-8 as written.
/// A literal CR in a .case file is refused so that a checkout or an editor cannot change a case.
/// </summary>
internal sealed class CaseFile
{
    public required Submission Submission { get; init; }

    public SubmissionStage Stage { get; init; } = SubmissionStage.Data;

    public static CaseFile Parse(string text)
    {
        if (text.Contains('\r', StringComparison.Ordinal))
        {
            throw new FormatException("a literal CR in a .case file: write \\r instead");
        }

        var lines = text.Split('\n');
        int i = 0;
        IPAddress? ip = null;
        string? login = null;
        string mailFrom = "<>";
        bool lenient = false;
        var stage = SubmissionStage.Data;
        string endings = "crlf";
        var rcpts = new List<string>();
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            int colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"case header line {i + 1}: no colon");
            }

            string key = lines[i][..colon];
            string value = Encoding.UTF8.GetString(Unescape(lines[i][(colon + 1)..].Trim(' ')));
            switch (key)
            {
                case "client-ip":
                    ip = value == "none" ? null : IPAddress.Parse(value);
                    break;
                case "auth-user":
                    login = value;
                    break;
                case "mail-from":
                    mailFrom = value;
                    break;
                case "rcpt":
                    rcpts.Add(value);
                    break;
                case "lenient-mail-from":
                    lenient = value == "yes";
                    break;
                case "stage":
                    stage = value == "mail" ? SubmissionStage.Mail : SubmissionStage.Data;
                    break;
                case "line-endings":
                    endings = value is "crlf" or "lf" or "raw" ? value : throw new FormatException($"line-endings: '{value}'");
                    break;
                default:
                    throw new FormatException($"case header line {i + 1}: unknown key '{key}'");
            }
        }

        // The message: every line after the blank one; the file's final newline ends the last line.
        var message = new List<byte>();
        int last = lines.Length - 1;
        if (last > i && lines[last].Length == 0)
        {
            last--;
        }

        byte[] terminator = endings switch { "crlf" => "\r\n"u8.ToArray(), "lf" => "\n"u8.ToArray(), _ => [] };
        for (int j = i + 1; j <= last; j++)
        {
            message.AddRange(Unescape(lines[j]));
            message.AddRange(terminator);
        }

        return new CaseFile
        {
            Stage = stage,
            Submission = new Submission
            {
                ClientIp = ip,
                AuthLogin = login,
                MailFrom = mailFrom,
                LenientMailFrom = lenient,
                Recipients = rcpts,
                Message = message.ToArray(),
            },
        };
    }

    /// <summary>UTF-8 of <paramref name="text"/> with the escapes replaced by their octets.</summary>
    public static byte[] Unescape(string text)
    {
        var bytes = new List<byte>(text.Length);
        var literal = new StringBuilder();
        void Flush()
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(literal.ToString()));
            literal.Clear();
        }

        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 >= text.Length)
            {
                literal.Append(text[i]);
                continue;
            }

            char next = text[++i];
            byte? octet = next switch
            {
                'r' => (byte)'\r',
                'n' => (byte)'\n',
                't' => (byte)'\t',
                '0' => 0,
                '\\' => (byte)'\\',
                'x' when i + 2 < text.Length => byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                _ => null,
            };
            if (octet is null)
            {
                // Not an escape: keep the backslash (quoted-pairs in headers are written as is).
                literal.Append('\\').Append(next);
                continue;
            }

            if (next == 'x')
            {
                i += 2;
            }

            Flush();
            bytes.Add(octet.Value);
        }

        Flush();
        return [.. bytes];
    }

    /// <summary>The .expected text of a verdict: action, reply, tenant, then one line per reason with its key evidence.</summary>
    public static string Render(Verdict verdict)
    {
        var builder = new StringBuilder();
        builder.Append("action: ").Append(verdict.Action.ToString().ToLowerInvariant()).Append('\n');
        builder.Append("reply: ").Append(verdict.Reply).Append('\n');
        builder.Append("tenant: ").Append(verdict.Tenant ?? "(none)").Append('\n');
        foreach (var reason in verdict.Reasons)
        {
            builder.Append("reason: ").Append(reason.Rule).Append(' ').Append(reason.Outcome.ToString().ToLowerInvariant());
            var evidence = reason.Evidence;
            Field(builder, "header", evidence.Header);
            Field(builder, "address", evidence.Address);
            Field(builder, "domain", evidence.Domain);
            Field(builder, "owner", evidence.Owner);
            builder.Append('\n');
        }

        return builder.ToString();
    }

    private static void Field(StringBuilder builder, string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        builder.Append(' ').Append(name).Append('=');
        foreach (char c in value)
        {
            if (c <= ' ' || c == 0x7F || c == '\\')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                builder.Append(c);
            }
        }
    }
}
