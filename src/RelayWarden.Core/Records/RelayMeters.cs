using System.Diagnostics.Metrics;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Records;

/// <summary>
/// The relay's counters and latency histograms (System.Diagnostics.Metrics, meter <see cref="MeterName"/>),
/// recorded by the doors where decisions and deliveries are made and exposed as Prometheus text by the
/// console's <c>/metrics</c>. Instrument names are the Prometheus names. Recording allocates nothing:
/// tag values are constant or already existing strings, and with no listener an instrument is a no-op.
/// </summary>
public static class RelayMeters
{
    public const string MeterName = "RelayWarden";

    /// <summary>Histogram bucket bounds in seconds, from 100 µs to 10 s.</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly Meter s_meter = new(MeterName);

    /// <summary>Decisions by door (smtp, milter, policy), stage and action.</summary>
    public static Counter<long> Decisions { get; } = s_meter.CreateCounter<long>("relaywarden_decisions_total", null, "Decisions by door, stage and action (relay, hold, defer, reject).");

    /// <summary>Reasons (rules) of decisions, by door and rule id.</summary>
    public static Counter<long> Rules { get; } = s_meter.CreateCounter<long>("relaywarden_decision_rules_total", null, "Rules that fired in decisions, by door, rule id and action of the decision.");

    /// <summary>Delivery results per recipient: delivered, deferred, failed.</summary>
    public static Counter<long> Deliveries { get; } = s_meter.CreateCounter<long>("relaywarden_deliveries_total", null, "Delivery results per recipient (delivered, deferred, failed).");

    /// <summary>Decision records not stored because the store's write queue was full.</summary>
    public static Counter<long> RecordsDropped { get; } = s_meter.CreateCounter<long>("relaywarden_records_dropped_total", null, "Decision records not stored because the record writer was too far behind (its queue full).");

    /// <summary>Alerts the monitor raised, by rule and severity.</summary>
    public static Counter<long> Alerts { get; } = s_meter.CreateCounter<long>("relaywarden_alerts_total", null, "Alerts raised by the behavior monitor, by rule and severity.");

    /// <summary>SMTP: from the end of DATA (the final dot) to the reply.</summary>
    public static Histogram<double> SmtpDataSeconds { get; } = s_meter.CreateHistogram<double>("relaywarden_smtp_data_seconds", "s", "SMTP: seconds from the end of DATA to the reply (evaluation, monitor, spool fsync).");

    /// <summary>SMTP: of <see cref="SmtpDataSeconds"/>, the spool write and the wait for its group commit.</summary>
    public static Histogram<double> SpoolStoreSeconds { get; } = s_meter.CreateHistogram<double>("relaywarden_spool_store_seconds", "s", "Spool: seconds to write an accepted message and wait for its group commit (part of the end-of-DATA time).");

    /// <summary>Durable writes (spool messages, delivery states, outbox files): writing a file and renaming it into its folder, before its group commit.</summary>
    public static Histogram<double> SpoolWriteSeconds { get; } = s_meter.CreateHistogram<double>("relaywarden_spool_write_seconds", "s", "Durable writes (spool messages, delivery states, outbox files): seconds to write a file and rename it into its folder, before its group commit.");

    /// <summary>Durable writes: from joining a group commit to its end (waiting for the batch before, then this batch's flush).</summary>
    public static Histogram<double> SpoolCommitWaitSeconds { get; } = s_meter.CreateHistogram<double>("relaywarden_spool_commit_wait_seconds", "s", "Durable writes (spool messages, delivery states, outbox files): seconds from joining a group commit to its completion.");

    /// <summary>Spool: one group commit (flush of every waiting file, then the folder).</summary>
    public static Histogram<double> SpoolFlushSeconds { get; } = s_meter.CreateHistogram<double>("relaywarden_spool_flush_seconds", "s", "Spool: seconds of one group commit (fdatasync of the batch's files, fsync of the folder).");

    /// <summary>Milter: seconds to decide a MAIL, RCPT or end-of-headers event.</summary>
    public static Histogram<double> MilterDecisionSeconds { get; } = s_meter.CreateHistogram<double>("relaywarden_milter_decision_seconds", "s", "Milter: seconds to decide at MAIL, RCPT and end of headers.");

    /// <summary>Policy delegation: seconds to answer one request.</summary>
    public static Histogram<double> PolicyDecisionSeconds { get; } = s_meter.CreateHistogram<double>("relaywarden_policy_decision_seconds", "s", "Policy delegation: seconds to decide one request.");

    /// <summary>Delivery: seconds of one delivery attempt of a message (all its recipients).</summary>
    public static Histogram<double> DeliverySeconds { get; } = s_meter.CreateHistogram<double>("relaywarden_delivery_attempt_seconds", "s", "Delivery: seconds of one attempt to hand a message to the next hop.");

    /// <summary>Counts one decision and each of its rules.</summary>
    public static void Decision(string door, string stage, VerdictAction action, IReadOnlyList<Reason> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        string name = Name(action);
        if (Decisions.Enabled)
        {
            Decisions.Add(1, new KeyValuePair<string, object?>("door", door), new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("action", name));
        }

        if (Rules.Enabled)
        {
            for (int i = 0; i < reasons.Count; i++)
            {
                Rules.Add(1, new KeyValuePair<string, object?>("door", door), new KeyValuePair<string, object?>("rule", reasons[i].Rule), new KeyValuePair<string, object?>("action", name));
            }
        }
    }

    /// <summary>The lower-case name of an action, without allocating.</summary>
    public static string Name(VerdictAction action) => action switch
    {
        VerdictAction.Relay => "relay",
        VerdictAction.Hold => "hold",
        VerdictAction.Defer => "defer",
        _ => "reject",
    };
}
