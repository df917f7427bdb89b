using System.Text;

namespace RelayWarden.Mail.Headers;

/// <summary>
/// Decodes RFC 2047 encoded words the way lenient mail readers do: any character in Q text (MimeKit,
/// strict in phrases, leaves <c>=?utf-8?q?ceo=40globex.example?=</c> undecoded because of the '.'),
/// missing base64 padding, white space between adjacent words dropped. RelayWarden judges the
/// display name a reader would show, so a name that only a loose decoder reveals is still judged.
/// </summary>
internal static class LooseEncodedWords
{
    /// <summary>Decodes every encoded word in <paramref name="text"/>; false when one cannot be decoded (unknown charset, bad base64).</summary>
    public static bool TryDecode(string text, out string decoded)
    {
        var result = new StringBuilder(text.Length);
        int i = 0;
        bool previousWasEncoded = false;
        int pendingSpaceStart = -1;
        while (i < text.Length)
        {
            if (TryWord(text, i, out int end, out string? word, out bool malformed))
            {
                if (malformed || word is null)
                {
                    decoded = string.Empty;
                    return false;
                }

                // White space between two encoded words is not displayed (RFC 2047 6.2).
                if (pendingSpaceStart >= 0 && !previousWasEncoded)
                {
                    result.Append(text, pendingSpaceStart, i - pendingSpaceStart);
                }

                pendingSpaceStart = -1;
                result.Append(word);
                previousWasEncoded = true;
                i = end;
                continue;
            }

            char c = text[i];
            if (c is ' ' or '\t')
            {
                if (pendingSpaceStart < 0)
                {
                    pendingSpaceStart = i;
                }

                i++;
                continue;
            }

            if (pendingSpaceStart >= 0)
            {
                result.Append(text, pendingSpaceStart, i - pendingSpaceStart);
                pendingSpaceStart = -1;
            }

            result.Append(c);
            previousWasEncoded = false;
            i++;
        }

        if (pendingSpaceStart >= 0)
        {
            result.Append(text, pendingSpaceStart, text.Length - pendingSpaceStart);
        }

        decoded = result.ToString();
        return true;
    }

    /// <summary>Reads <c>=?charset?enc?text?=</c> at <paramref name="start"/>.</summary>
    private static bool TryWord(string text, int start, out int end, out string? word, out bool malformed)
    {
        end = start;
        word = null;
        malformed = false;
        if (start + 1 >= text.Length || text[start] != '=' || text[start + 1] != '?')
        {
            return false;
        }

        int q1 = text.IndexOf('?', start + 2);
        if (q1 < 0 || q1 + 2 >= text.Length || text[q1 + 2] != '?')
        {
            return false;
        }

        int close = text.IndexOf("?=", q1 + 3, StringComparison.Ordinal);
        if (close < 0)
        {
            return false;
        }

        end = close + 2;
        string charset = text[(start + 2)..q1];
        int star = charset.IndexOf('*', StringComparison.Ordinal); // RFC 2231 language suffix
        if (star >= 0)
        {
            charset = charset[..star];
        }

        char encoding = char.ToUpperInvariant(text[q1 + 1]);
        string payload = text[(q1 + 3)..close];
        var charsetEncoding = Charset(charset);
        if (charsetEncoding is null || encoding is not ('Q' or 'B'))
        {
            malformed = true;
            return true;
        }

        byte[] bytes;
        if (encoding == 'B')
        {
            string padded = payload.Trim();
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            try
            {
                bytes = Convert.FromBase64String(padded);
            }
            catch (FormatException)
            {
                malformed = true;
                return true;
            }
        }
        else
        {
            var buffer = new List<byte>(payload.Length);
            for (int i = 0; i < payload.Length; i++)
            {
                char c = payload[i];
                if (c == '_')
                {
                    buffer.Add((byte)' ');
                }
                else if (c == '=' && i + 2 < payload.Length && Uri.IsHexDigit(payload[i + 1]) && Uri.IsHexDigit(payload[i + 2]))
                {
                    buffer.Add(Convert.ToByte(payload.Substring(i + 1, 2), 16));
                    i += 2;
                }
                else if (c < 0x80)
                {
                    buffer.Add((byte)c);
                }
                else
                {
                    malformed = true;
                    return true;
                }
            }

            bytes = [.. buffer];
        }

        try
        {
            word = charsetEncoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            malformed = true;
        }

        return true;
    }

    private static readonly Encoding s_strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static Encoding? Charset(string name) => name.ToLowerInvariant() switch
    {
        "utf-8" or "utf8" => s_strictUtf8,
        "us-ascii" or "ascii" => Encoding.ASCII,
        // Latin-1 stands in for its Windows superset: the letters that matter here are the same.
        "iso-8859-1" or "latin1" or "iso-8859-15" or "windows-1252" or "cp1252" => Encoding.Latin1,
        _ => null,
    };
}
