namespace RelayWarden.LogHunt.Records;

/// <summary>What the MTA logged for one recipient (Postfix <c>status=</c>, Exim <c>=&gt;</c>, <c>==</c>, <c>**</c>).</summary>
public enum DeliveryStatus
{
    /// <summary>No delivery attempt logged yet.</summary>
    Pending = 0,
    Sent,
    Deferred,
    Bounced,

    /// <summary>Refused before queueing (RCPT reject, content reject): the recipient never got the message.</summary>
    Rejected,
}
