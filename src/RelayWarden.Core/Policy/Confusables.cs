using System.Collections.Frozen;
using RelayWarden.Mail.Addresses;

namespace RelayWarden.Core.Policy;

/// <summary>
/// A small confusables skeleton (after Unicode TS #39) for the letters used in IDN homograph
/// attacks: Cyrillic, Greek and Armenian look-alikes of Latin letters. Used to catch
/// <c>аcme.example</c> (Cyrillic а) posing as a tenant's <c>acme.example</c>.
/// </summary>
internal static class Confusables
{
    private static readonly FrozenDictionary<char, char> s_map = new Dictionary<char, char>
    {
        // Cyrillic
        ['а'] = 'a', ['в'] = 'b', ['е'] = 'e', ['ё'] = 'e', ['о'] = 'o', ['р'] = 'p', ['с'] = 'c', ['у'] = 'y', ['х'] = 'x',
        ['і'] = 'i', ['ї'] = 'i', ['ј'] = 'j', ['ѕ'] = 's', ['ԁ'] = 'd', ['һ'] = 'h', ['ԛ'] = 'q', ['ԝ'] = 'w', ['ӏ'] = 'l',
        ['к'] = 'k', ['м'] = 'm', ['н'] = 'h', ['т'] = 't', ['ь'] = 'b', ['ɡ'] = 'g', ['ү'] = 'y', ['ԍ'] = 'g', ['ո'] = 'n',
        // Greek
        ['α'] = 'a', ['ο'] = 'o', ['ν'] = 'v', ['ρ'] = 'p', ['τ'] = 't', ['υ'] = 'u', ['ι'] = 'i', ['κ'] = 'k', ['χ'] = 'x',
        ['ε'] = 'e', ['η'] = 'n', ['ϲ'] = 'c', ['ϳ'] = 'j',
        // Armenian and Latin extensions
        ['ս'] = 'u', ['օ'] = 'o', ['ı'] = 'i', ['ɩ'] = 'i', ['ⅼ'] = 'l', ['ḃ'] = 'b', ['ḋ'] = 'd', ['ė'] = 'e', ['ȯ'] = 'o',
        ['à'] = 'a', ['á'] = 'a', ['â'] = 'a', ['ã'] = 'a', ['ä'] = 'a', ['å'] = 'a', ['è'] = 'e', ['é'] = 'e', ['ê'] = 'e',
        ['ë'] = 'e', ['ì'] = 'i', ['í'] = 'i', ['î'] = 'i', ['ï'] = 'i', ['ò'] = 'o', ['ó'] = 'o', ['ô'] = 'o', ['õ'] = 'o',
        ['ö'] = 'o', ['ù'] = 'u', ['ú'] = 'u', ['û'] = 'u', ['ü'] = 'u', ['ý'] = 'y', ['ÿ'] = 'y', ['ç'] = 'c', ['ñ'] = 'n',
    }.ToFrozenDictionary();

    /// <summary>The ASCII look-alike of an IDN domain (A-label form in, A-label form out), or null when it has none.</summary>
    public static string? Skeleton(string normalizedDomain)
    {
        if (!normalizedDomain.Contains("xn--", StringComparison.Ordinal))
        {
            return null;
        }

        string unicode = DomainName.ToUnicode(normalizedDomain);
        Span<char> buffer = unicode.Length <= 256 ? stackalloc char[unicode.Length] : new char[unicode.Length];
        for (int i = 0; i < unicode.Length; i++)
        {
            char c = unicode[i];
            if (c < 0x80)
            {
                buffer[i] = c;
            }
            else if (s_map.TryGetValue(c, out char ascii))
            {
                buffer[i] = ascii;
            }
            else
            {
                return null;
            }
        }

        return DomainName.TryNormalize(buffer, out var skeleton, out _) ? skeleton : null;
    }
}
