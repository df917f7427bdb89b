namespace RelayWarden.LogHunt.Records;

/// <summary>One recipient of a joined message and its latest delivery result.</summary>
public sealed class RecipientRecord
{
    public required string Address { get; init; }

    public string? Relay { get; set; }

    /// <summary>Postfix <c>delay=</c> in seconds; NaN when not logged.</summary>
    public double Delay { get; set; } = double.NaN;

    /// <summary>The enhanced status code (<c>dsn=</c>), e.g. <c>2.0.0</c>.</summary>
    public string? Dsn { get; set; }

    public DeliveryStatus Status { get; set; }

    public DateTimeOffset Time { get; set; }
}
