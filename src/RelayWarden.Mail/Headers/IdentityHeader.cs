namespace RelayWarden.Mail.Headers;

/// <summary>The header fields that name an author or a submitter (DESIGN: F, S and R).</summary>
public enum IdentityHeader
{
    From,
    Sender,
    ResentFrom,
    ResentSender,
}

/// <summary>Names of identity headers, as they appear in rule ids and evidence.</summary>
public static class IdentityHeaderNames
{
    /// <summary>The field name as written in a message.</summary>
    public static string FieldName(this IdentityHeader header) => header switch
    {
        IdentityHeader.From => "From",
        IdentityHeader.Sender => "Sender",
        IdentityHeader.ResentFrom => "Resent-From",
        _ => "Resent-Sender",
    };

    /// <summary>The rule-id segment (<c>from</c>, <c>sender</c>, <c>resent-from</c>, <c>resent-sender</c>).</summary>
    public static string RuleSegment(this IdentityHeader header) => header switch
    {
        IdentityHeader.From => "from",
        IdentityHeader.Sender => "sender",
        IdentityHeader.ResentFrom => "resent-from",
        _ => "resent-sender",
    };
}
