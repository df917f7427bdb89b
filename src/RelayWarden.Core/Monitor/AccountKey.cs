namespace RelayWarden.Core.Monitor;

/// <summary>Builds account keys the same way at every front door.</summary>
public static class AccountKey
{
    /// <summary>The account of mail that arrives by IP (no login): <c>tenant/ip</c>.</summary>
    public static string ForIp(string tenant, string clientIp) => $"{tenant}/{clientIp}";
}
