namespace RelayWarden.Core.Monitor;

/// <summary>What a counter key identifies. Each observation updates one state per kind it carries.</summary>
public enum MonitorKeyKind
{
    /// <summary>The SASL login, or <c>tenant/client-ip</c> when mail arrives by IP.</summary>
    Account = 0,
    Tenant = 1,
    ClientIp = 2,
    /// <summary>The envelope sender (MAIL FROM); the null sender is not counted as a key.</summary>
    Sender = 3,
}
