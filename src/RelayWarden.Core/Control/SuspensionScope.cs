namespace RelayWarden.Core.Control;

/// <summary>What a suspension covers.</summary>
public enum SuspensionScope
{
    /// <summary>One account: a SASL login, or <c>tenant/ip</c> for mail that arrives by IP.</summary>
    Account,
    /// <summary>A whole tenant: every login and network of it.</summary>
    Tenant,
}
