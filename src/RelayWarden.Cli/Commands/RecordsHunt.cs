using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.LogHunt.Reading;
using RelayWarden.LogHunt.Records;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden hunt data_dir/records.db</c>: the standalone relay has no MTA log, but its decision
/// records hold what the hunter needs — who sent each accepted message, when, from which address, to whom.
/// They are fed to the same <see cref="IRecordSink"/> as a log's joined lines, oldest first, so the same
/// rules raise the same alerts (a monitor rule tried on the relay's own traffic before it is deployed).
/// The account is the record's (the login, or <c>tenant/ip</c> for mail by address).
/// </summary>
internal static class RecordsHunt
{
    /// <summary>Records are read in windows of this length, each in time order.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private static ReadOnlySpan<byte> SqliteMagic => "SQLite format 3\0"u8;

    /// <summary>True when <paramref name="path"/> is an SQLite file (a decision store) rather than a log.</summary>
    public static bool IsRecordsFile(string path)
    {
        if (path == "-" || !File.Exists(path))
        {
            return false;
        }

        Span<byte> head = stackalloc byte[16];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(SqliteMagic);
    }

    /// <summary>Feeds every accepted message of the store (relayed or held at end of DATA) to <paramref name="sink"/>, oldest first.</summary>
    public static async Task<LogStatistics> RunAsync(IDecisionStore store, IRecordSink sink, CancellationToken cancellationToken)
    {
        var statistics = new LogStatistics();
        DateTimeOffset? first = null;
        await foreach (var oldest in store.SummariesAsync(new DecisionQuery(), cancellationToken).ConfigureAwait(false))
        {
            first = oldest.Time;
            break;
        }

        var newest = (await store.SearchAsync(new DecisionQuery { Limit = 1 }, cancellationToken).ConfigureAwait(false)).Records;
        if (first is not { } start || newest.Count == 0)
        {
            return statistics;
        }

        var batch = new List<DecisionRecord>();
        var refusedSince = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var from = start; from <= newest[0].Time; from += Window)
        {
            batch.Clear();
            await foreach (var record in store.AllAsync(new DecisionQuery { Since = from, Until = from + Window, Limit = DecisionQuery.MaxLimit },
                cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                batch.Add(record);
            }

            for (int i = batch.Count - 1; i >= 0; i--) // pages are newest first
            {
                Feed(batch[i], sink, statistics, refusedSince);
            }
        }

        return statistics;
    }

    // refusedSince: per account, the RCPT refusals since its last accepted message. They go with the next one,
    // as the live door counts a session's refused recipients with its message.
    private static void Feed(DecisionRecord decision, IRecordSink sink, LogStatistics statistics, Dictionary<string, int> refusedSince)
    {
        statistics.Lines++;
        if (decision.Stage != "smtp.data" || decision.Action is not (VerdictAction.Relay or VerdictAction.Hold))
        {
            if (decision.Action is VerdictAction.Reject or VerdictAction.Defer)
            {
                statistics.Rejects++;
                if (decision.Stage == "smtp.rcpt" && decision.Account is { } refusing)
                {
                    refusedSince[refusing] = refusedSince.GetValueOrDefault(refusing) + 1;
                }
            }

            return;
        }

        statistics.Messages++;
        var record = new MailRecord
        {
            Host = decision.Node ?? "relaywarden",
            QueueId = decision.QueueId ?? decision.Id,
            FirstTime = decision.Time,
            LastTime = decision.Time,
            ClientIp = decision.ClientIp,
            Login = decision.Account,
            Sender = RecordKeys.ReversePath(decision.MailFrom).Address ?? string.Empty,
            MessageId = decision.MessageId,
            Size = decision.Size,
            RecipientCount = decision.Recipients.Count,
            FromHeader = decision.From,
            Accepted = true,
            RejectedRecipients = decision.Account is { } account && refusedSince.Remove(account, out int refused) ? refused : 0,
        };
        foreach (string recipient in decision.Recipients)
        {
            if (RecordKeys.ForwardPath(recipient).Address is { } address)
            {
                record.Recipients.Add(new RecipientRecord { Address = address, Status = LogHunt.Records.DeliveryStatus.Sent });
            }
        }

        sink.Accepted(record, decision.Time);
        sink.Completed(record);
    }
}
