namespace RelayWarden.Mail.Headers;

/// <summary>An identity field read twice (strictly, and by MimeKit leniently) and found unambiguous or not.</summary>
public sealed record AddressField(IdentityHeader Header, IReadOnlyList<ParsedMailbox> Mailboxes, AddressAmbiguity Ambiguity, string Detail)
{
    /// <summary>True when both readers agree on the same, well-formed mailboxes.</summary>
    public bool IsClear => Ambiguity == AddressAmbiguity.None;
}
