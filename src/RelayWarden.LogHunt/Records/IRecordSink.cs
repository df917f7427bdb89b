namespace RelayWarden.LogHunt.Records;

/// <summary>Receives what the joiner assembles, in log order.</summary>
public interface IRecordSink
{
    /// <summary>The message's recipients are known (every recipient has a result, or the message left the queue); <paramref name="time"/> is that line's time.</summary>
    void Accepted(MailRecord record, DateTimeOffset time);

    /// <summary>Recipients of an already accepted message bounced later (e.g. deferred, then expired).</summary>
    void Refused(MailRecord record, int count, DateTimeOffset time);

    /// <summary>The message left the queue (<c>removed</c>, <c>Completed</c>) or was evicted as too old; the record is final.</summary>
    void Completed(MailRecord record);

    /// <summary>An SMTP-level reject without a queue id.</summary>
    void Rejected(SmtpReject reject);
}
