namespace RelayWarden.Hosting.Control;

/// <summary>What a TXT check found.</summary>
public enum DomainCheckOutcome
{
    /// <summary>The expected record is there: the claim is verified.</summary>
    Found,
    /// <summary>The name does not exist, or holds no matching record: the claim fails (and is checked again later).</summary>
    Missing,
    /// <summary>The lookup failed (timeout, SERVFAIL, REFUSED): nothing is concluded, the claim keeps its state.</summary>
    Error,
}
