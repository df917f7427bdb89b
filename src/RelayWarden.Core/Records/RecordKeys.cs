using System.Text;
using RelayWarden.Mail.Addresses;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Core.Records;

/// <summary>
/// The search keys of a decision record: the address and domain of E (MAIL FROM), F (first <c>From</c>
/// mailbox), S (<c>Sender</c>) and of each recipient, and the keys of a search filter. An address key
/// is <c>local@domain</c> in lower case with the domain normalized (A-labels); the null reverse path is
/// the empty address with no domain. Values that do not parse are read loosely (the first word holding '@'
/// inside the first angle brackets, split at its last '@'), so a malformed identity is still found by its domain.
/// </summary>
public static class RecordKeys
{
    /// <summary>The filter key of the null reverse path (a record's E address key is then the empty string).</summary>
    public const string NullSender = "<>";

    /// <summary>The keys of a MAIL FROM argument as recorded (<c>&lt;a@b&gt; SIZE=1</c>, <c>&lt;&gt;</c>).</summary>
    public static (string? Address, string? Domain) ReversePath(string? mailFrom)
    {
        if (mailFrom is null)
        {
            return (null, null);
        }

        if (SmtpPath.TryParseReversePath(mailFrom, true, out var path, out _, out _))
        {
            return path.Mailbox is { } mailbox ? (Address(mailbox.LocalPart, mailbox.Domain), mailbox.Domain) : (string.Empty, null);
        }

        return mailFrom.Trim().StartsWith("<>", StringComparison.Ordinal) ? (string.Empty, null) : Loose(mailFrom);
    }

    /// <summary>The keys of a RCPT TO argument as recorded (<c>&lt;a@b&gt;</c>, with parameters or bare).</summary>
    public static (string? Address, string? Domain) ForwardPath(string recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return SmtpPath.TryParseForwardPath(recipient, true, out var mailbox, out _, out _, out _)
            ? (Address(mailbox.LocalPart, mailbox.Domain), mailbox.Domain)
            : Loose(recipient);
    }

    /// <summary>The keys of the first mailbox of a recorded <c>From</c> or <c>Sender</c> value.</summary>
    public static (string? Address, string? Domain) HeaderMailbox(IdentityHeader header, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return (null, null);
        }

        byte[] bytes = Encoding.UTF8.GetBytes(value);
        var field = AddressFieldReader.Read(header, bytes, 0, bytes.Length);
        if (field.Mailboxes.Count > 0)
        {
            var first = field.Mailboxes[0];
            if (first.Mailbox is { } mailbox)
            {
                return (Address(mailbox.LocalPart, mailbox.Domain), mailbox.Domain);
            }

            if (first.RawDomain.Length > 0)
            {
                string domain = Domain(first.RawDomain);
                return (Address(first.LocalPart, domain), domain);
            }
        }

        return Loose(value);
    }

    /// <summary>
    /// Reads a search filter for an identity: <c>local@domain</c> (one address), <c>domain</c> or
    /// <c>@domain</c> (every address of the domain), and, when <paramref name="allowNullSender"/>,
    /// <c>&lt;&gt;</c> (the null reverse path, key <see cref="NullSender"/>). Angle brackets around an address are
    /// allowed. A normalized key reads back as itself.
    /// </summary>
    public static bool TryParseFilter(string text, bool allowNullSender, out string key, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        key = string.Empty;
        error = string.Empty;
        string value = text.Trim();
        if (value == NullSender)
        {
            if (allowNullSender)
            {
                key = NullSender;
                return true;
            }

            error = "'<>' (the null sender) only applies to MAIL FROM";
            return false;
        }

        if (value.Length > 2 && value[0] == '<' && value[^1] == '>')
        {
            value = value[1..^1].Trim();
        }

        if (value.Length == 0 || value.Length > 320 || value.AsSpan().ContainsAny(" \t\r\n<>,;"))
        {
            error = $"'{Shorten(text)}' is not an address or a domain";
            return false;
        }

        int at = value.LastIndexOf('@');
        string rawDomain = at < 0 ? value : value[(at + 1)..];
        if (!DomainName.TryNormalize(rawDomain, out string domain, out var domainError))
        {
            error = $"'{Shorten(text)}': {DomainName.Describe(domainError)}";
            return false;
        }

        key = at <= 0 ? domain : Address(value[..at], domain);
        return true;
    }

    /// <summary>The domain of a normalized filter key (null for the null sender).</summary>
    public static string? DomainOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key == NullSender)
        {
            return null;
        }

        int at = key.LastIndexOf('@');
        return at < 0 ? key : key[(at + 1)..];
    }

    /// <summary>True when a normalized filter key names one address (or the null sender), not a whole domain.</summary>
    public static bool IsAddress(string key) => key is not null && (key == NullSender || key.Contains('@', StringComparison.Ordinal));

    /// <summary>True when a record's keys match a normalized filter key.</summary>
    public static bool Matches(string key, string? address, string? domain) =>
        key == NullSender ? address is { Length: 0 }
        : IsAddress(key) ? string.Equals(key, address, StringComparison.Ordinal)
        : string.Equals(key, domain, StringComparison.Ordinal);

    private static string Address(string localPart, string domain) => string.Concat(localPart.ToLowerInvariant(), "@", domain);

    private static string Domain(string raw)
    {
        string trimmed = raw.Trim().TrimEnd('.');
        return DomainName.TryNormalize(trimmed, out string normalized, out _) ? normalized : trimmed.ToLowerInvariant();
    }

    // The first angle-bracketed part (or what follows a lone '<'), then its first word holding '@'.
    private static (string? Address, string? Domain) Loose(string text)
    {
        string value = text.Trim();
        int open = value.IndexOf('<', StringComparison.Ordinal);
        if (open >= 0)
        {
            int close = value.IndexOf('>', open + 1);
            value = close > open ? value[(open + 1)..close] : value[(open + 1)..];
        }

        string? word = value.Split([' ', '\t', ',', ';', '<', '>', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(w => w.Contains('@', StringComparison.Ordinal));
        int at = word?.LastIndexOf('@') ?? -1;
        if (word is null || at <= 0 || at == word.Length - 1)
        {
            return (null, null);
        }

        string domain = Domain(word[(at + 1)..]);
        return domain.Length == 0 ? (null, null) : (Address(word[..at], domain), domain);
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
