using RelayWarden.Mail.Addresses;

namespace RelayWarden.Mail.Headers;

/// <summary>One mailbox of an identity field, with its display name decoded (RFC 2047) and its domain normalized when valid.</summary>
/// <param name="Mailbox">The normalized mailbox, or null when the domain is invalid.</param>
/// <param name="LocalPart">The local part, unquoted.</param>
/// <param name="RawDomain">The domain as written.</param>
/// <param name="DomainError">Why the domain is invalid, or <see cref="DomainError.None"/>.</param>
/// <param name="DisplayName">The decoded display name, empty when there is none.</param>
public sealed record ParsedMailbox(Mailbox? Mailbox, string LocalPart, string RawDomain, DomainError DomainError, string DisplayName);
