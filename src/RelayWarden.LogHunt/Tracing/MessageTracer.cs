using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Tracing;

/// <summary>
/// Pass 1 of <c>trace</c>: collects the messages (and SMTP rejects) that match a <see cref="TraceQuery"/>, at most
/// <see cref="MaxMatches"/>. Pass 2 (<see cref="ActivityCollector"/>) gathers the matched accounts' activity around
/// each match and every queue id of the matched Message-IDs.
/// </summary>
public sealed class MessageTracer(TraceQuery query) : IRecordSink
{
    public int MaxMatches { get; init; } = 1000;

    public List<MailRecord> Matches { get; } = [];

    public List<SmtpReject> Rejects { get; } = [];

    public bool Truncated { get; private set; }

    public void Accepted(MailRecord record, DateTimeOffset time)
    {
    }

    public void Refused(MailRecord record, int count, DateTimeOffset time)
    {
    }

    public void Completed(MailRecord record)
    {
        if (query.Matches(record))
        {
            if (Matches.Count < MaxMatches)
            {
                Matches.Add(record);
            }
            else
            {
                Truncated = true;
            }
        }
    }

    public void Rejected(SmtpReject reject)
    {
        if (query.Matches(reject) && Rejects.Count < MaxMatches)
        {
            Rejects.Add(reject);
        }
    }
}
