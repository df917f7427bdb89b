namespace RelayWarden.Mail.Addresses;

/// <summary>The parsed argument of MAIL FROM: the null path (<c>&lt;&gt;</c>) or a mailbox, plus ESMTP parameters.</summary>
public readonly record struct ReversePath(Mailbox? Mailbox, string Parameters)
{
    /// <summary>True for the null reverse-path used by bounces and auto-replies.</summary>
    public bool IsNull => Mailbox is null;
}
