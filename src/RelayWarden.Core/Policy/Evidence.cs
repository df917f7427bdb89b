namespace RelayWarden.Core.Policy;

/// <summary>Typed evidence of a reason: which header, which address and domain, who owns it. Never shown to the client.</summary>
public sealed record Evidence
{
    /// <summary>The header or envelope part (<c>From</c>, <c>Sender</c>, <c>MAIL FROM</c>, ...).</summary>
    public string? Header { get; init; }

    public string? Address { get; init; }

    public string? Domain { get; init; }

    /// <summary>The tenant owning <see cref="Domain"/>, or null for an external domain.</summary>
    public string? Owner { get; init; }

    /// <summary>The submitting tenant.</summary>
    public string? Tenant { get; init; }

    public static Evidence None { get; } = new();
}
