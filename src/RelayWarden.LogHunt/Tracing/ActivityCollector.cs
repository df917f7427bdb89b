using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Tracing;

/// <summary>
/// Pass 2 of <c>trace</c>: every message of the given accounts within their time windows, and every record
/// carrying one of the given Message-IDs (the same message under several queue ids: content filters, relays).
/// </summary>
public sealed class ActivityCollector(IReadOnlyDictionary<string, (DateTimeOffset From, DateTimeOffset To)> windows, IReadOnlySet<string> messageIds) : IRecordSink
{
    public int MaxPerAccount { get; init; } = 10_000;

    public Dictionary<string, List<MailRecord>> Activity { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<MailRecord>> ByMessageId { get; } = new(StringComparer.Ordinal);

    /// <summary>The account key of a record as trace names it: the login, uid:N, else ip:ADDRESS.</summary>
    public static string? AccountOf(MailRecord record) => record.Account ?? (record.ClientIp is null ? null : "ip:" + record.ClientIp);

    public void Accepted(MailRecord record, DateTimeOffset time)
    {
    }

    public void Refused(MailRecord record, int count, DateTimeOffset time)
    {
    }

    public void Completed(MailRecord record)
    {
        if (record.MessageId is { } id && messageIds.Contains(id))
        {
            if (!ByMessageId.TryGetValue(id, out var same))
            {
                ByMessageId[id] = same = [];
            }

            same.Add(record);
        }

        if (AccountOf(record) is { } account && windows.TryGetValue(account, out var window) && record.FirstTime <= window.To && record.LastTime >= window.From)
        {
            if (!Activity.TryGetValue(account, out var list))
            {
                Activity[account] = list = [];
            }

            if (list.Count < MaxPerAccount)
            {
                list.Add(record);
            }
        }
    }

    public void Rejected(SmtpReject reject)
    {
    }
}
