namespace RelayWarden.Mail.Headers;

/// <summary>
/// A defect of the raw header block that lets two parsers read it differently. Each one is a
/// reason to refuse the message as ambiguous: header smuggling lives in these gaps.
/// </summary>
public enum HeaderDefect
{
    None = 0,
    /// <summary>A CR not followed by LF (or any CR in a block that ends its lines with bare LF).</summary>
    BareCarriageReturn,
    /// <summary>An LF not preceded by CR in a block that ends its lines with CRLF.</summary>
    BareLineFeed,
    /// <summary>A NUL octet.</summary>
    Nul,
    /// <summary>A line in the header block with no colon (for example an mbox "From " line).</summary>
    LineWithoutColon,
    /// <summary>A folded continuation line before any field.</summary>
    ContinuationWithoutField,
    /// <summary>A field name with characters outside printable US-ASCII.</summary>
    InvalidFieldName,
    /// <summary>White space between an identity field's name and its colon (<c>From :</c>, obsolete syntax).</summary>
    SpaceBeforeColon,
    /// <summary>An identity field line longer than 998 octets (RFC 5322 2.1.1).</summary>
    LineTooLong,
    /// <summary>The header block is larger than <see cref="HeaderLimits.MaxHeaderBytes"/>.</summary>
    TooLarge,
    /// <summary>More fields than <see cref="HeaderLimits.MaxFields"/>.</summary>
    TooManyFields,
}
