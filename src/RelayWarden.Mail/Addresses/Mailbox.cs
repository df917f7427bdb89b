namespace RelayWarden.Mail.Addresses;

/// <summary>
/// An addr-spec with a normalized domain (lower case, A-labels). The local part is kept as written
/// (unquoted); mailbox comparisons in RelayWarden ignore its case, as every large provider does.
/// </summary>
public sealed class Mailbox : IEquatable<Mailbox>
{
    public Mailbox(string localPart, string domain)
    {
        LocalPart = localPart;
        Domain = domain;
        Address = string.Concat(localPart, "@", domain);
    }

    /// <summary>The local part, unquoted.</summary>
    public string LocalPart { get; }

    /// <summary>The normalized domain.</summary>
    public string Domain { get; }

    /// <summary><c>local@domain</c>.</summary>
    public string Address { get; }

    public bool Equals(Mailbox? other) =>
        other is not null && string.Equals(Address, other.Address, StringComparison.OrdinalIgnoreCase);

    public override bool Equals(object? obj) => Equals(obj as Mailbox);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Address);

    public override string ToString() => Address;

    /// <summary>
    /// Parses a plain <c>local@domain</c> (no angle brackets, no display name), as written in
    /// configuration. The local part may be a dot-atom only.
    /// </summary>
    public static bool TryParse(string text, out Mailbox mailbox, out string error)
    {
        mailbox = null!;
        if (!SmtpPath.TryParseMailbox(text.AsSpan().Trim(), PathKind.Reverse, out var parsed, out var pathError, out var domainError))
        {
            error = SmtpPath.Describe(pathError, domainError);
            return false;
        }

        mailbox = parsed;
        error = string.Empty;
        return true;
    }
}
