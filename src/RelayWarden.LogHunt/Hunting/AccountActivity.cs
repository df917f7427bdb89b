namespace RelayWarden.LogHunt.Hunting;

/// <summary>Totals of one account over the whole input (first and last activity, messages, recipients, refusals).</summary>
public sealed class AccountActivity
{
    public DateTimeOffset First { get; set; }

    public DateTimeOffset Last { get; set; }

    public long Messages { get; set; }

    public long Recipients { get; set; }

    public long Refused { get; set; }

    public string? LastClientIp { get; set; }
}
