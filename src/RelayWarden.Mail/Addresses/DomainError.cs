namespace RelayWarden.Mail.Addresses;

/// <summary>Why a domain name was refused by <see cref="DomainName.TryNormalize(ReadOnlySpan{char}, out string, out DomainError)"/>.</summary>
public enum DomainError
{
    None = 0,
    /// <summary>The name is empty.</summary>
    Empty,
    /// <summary>The name ends with a dot (<c>acme.example.</c>): absolute names are not identities.</summary>
    TrailingDot,
    /// <summary>An address literal (<c>[192.0.2.1]</c>) where a domain name belongs.</summary>
    AddressLiteral,
    /// <summary>An empty label (<c>a..b</c> or a leading dot).</summary>
    EmptyLabel,
    /// <summary>A label longer than 63 octets.</summary>
    LabelTooLong,
    /// <summary>The whole name is longer than 253 octets.</summary>
    NameTooLong,
    /// <summary>A character other than letters, digits and '-' after IDNA mapping, or a label that starts or ends with '-'.</summary>
    NotLdh,
    /// <summary>A single label: not a name on the Internet.</summary>
    SingleLabel,
    /// <summary>An IDNA label (<c>xn--</c>) that does not decode, or Unicode that IDNA refuses.</summary>
    InvalidIdn,
}
