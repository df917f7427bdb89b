namespace RelayWarden.Hosting.Control;

/// <summary>A TXT check's outcome and the operator text (the name looked up and what was there).</summary>
public sealed record DomainCheck(DomainCheckOutcome Outcome, string Detail);
