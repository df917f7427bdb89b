namespace RelayWarden.Core.Policy;

/// <summary>What a blocklist entry matches.</summary>
public enum BlockKind
{
    /// <summary>A client address or network (CIDR).</summary>
    Ip,
    /// <summary>An SMTP-AUTH login.</summary>
    Login,
    /// <summary>A domain and its subdomains, in any identity (envelope or header).</summary>
    Domain,
    /// <summary>One address, in any identity.</summary>
    Address,
}

/// <summary>A blocklist entry: who added it, why, and until when.</summary>
public sealed record BlockEntry(BlockKind Kind, string Value, DateTimeOffset? ExpiresAt, string? Reason = null, string? AddedBy = null, DateTimeOffset? AddedAt = null)
{
    /// <summary>True while the entry is in force at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => ExpiresAt is null || now < ExpiresAt.Value;
}
