namespace RelayWarden.Mail.Headers;

/// <summary>Why an address field is read as ambiguous: a lenient and a strict reader could disagree on who the author is.</summary>
public enum AddressAmbiguity
{
    None = 0,
    /// <summary>No mailbox at all.</summary>
    Empty,
    /// <summary>Octets that are not UTF-8.</summary>
    InvalidUtf8,
    /// <summary>Not RFC 5322 mailbox-list syntax.</summary>
    Unparsable,
    /// <summary>Group syntax (<c>name: a@b;</c>) where a mailbox belongs.</summary>
    Group,
    /// <summary>An obsolete route (<c>&lt;@relay:user@domain&gt;</c>).</summary>
    RouteAddress,
    /// <summary>A comment holding '@', brackets, quotes, an encoded word or a nested comment.</summary>
    HiddenInComment,
    /// <summary>A quoted string holding an encoded word, or a quoted local part holding '@', '%', brackets or escapes.</summary>
    HiddenInQuotedString,
    /// <summary>An encoded word inside an address.</summary>
    EncodedWordInAddress,
    /// <summary>A display name holding angle brackets: it mimics an address.</summary>
    NameMimicsAddress,
    /// <summary>Control, format (bidi overrides, zero-width) or filler characters, or decoding errors.</summary>
    InvisibleCharacter,
    /// <summary>The strict reader and MimeKit's lenient reader found different mailboxes.</summary>
    ParsersDisagree,
    /// <summary>A field that must hold one mailbox holds several (Sender, Resent-Sender).</summary>
    SeveralMailboxes,
}
