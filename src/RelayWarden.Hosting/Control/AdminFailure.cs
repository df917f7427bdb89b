namespace RelayWarden.Hosting.Control;

/// <summary>Why an operator's change was refused.</summary>
public enum AdminFailure
{
    /// <summary>Not refused.</summary>
    None,
    /// <summary>Bad input: a malformed id, domain or network, a missing reason (HTTP 400).</summary>
    Invalid,
    /// <summary>The tenant, claim or network does not exist (HTTP 404).</summary>
    NotFound,
    /// <summary>It clashes with what exists: a domain owned or claimed by another tenant, an id taken (HTTP 409).</summary>
    Conflict,
}
