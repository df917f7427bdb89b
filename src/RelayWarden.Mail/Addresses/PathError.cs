namespace RelayWarden.Mail.Addresses;

/// <summary>Why an SMTP path (RFC 5321 Reverse-path / Forward-path) was refused.</summary>
public enum PathError
{
    None = 0,
    /// <summary>Not the RFC 5321 grammar (missing '@', bad dot-string, junk after '>', ...).</summary>
    Syntax,
    /// <summary>A source route (<c>&lt;@relay:user@domain&gt;</c>).</summary>
    SourceRoute,
    /// <summary>A quoted local part that carries '@', '%', '!', quotes or brackets, or an encoded word: another address may hide in it.</summary>
    HiddenAddress,
    /// <summary>'%' or '!' routing in a recipient's local part (the percent hack, UUCP bang paths).</summary>
    RoutingCharacters,
    /// <summary>The domain is invalid (see the <see cref="DomainError"/>).</summary>
    InvalidDomain,
    /// <summary>Longer than RFC 5321 allows (path 256, local part 64 octets).</summary>
    TooLong,
}

/// <summary>Which SMTP path is being read: the sender's or a recipient's.</summary>
public enum PathKind
{
    /// <summary>MAIL FROM: the null path is allowed.</summary>
    Reverse,
    /// <summary>RCPT TO: no null path, no routing characters in the local part.</summary>
    Forward,
}
