using System.Net;
using System.Text;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;

namespace RelayWarden.Hosting.Reports;

/// <summary>
/// Policy replay (DESIGN, "Records"): judges recorded decisions again with a proposed policy — its
/// directory, blocklist and rule actions — through the very same <see cref="SenderAuthorization"/>
/// the doors use, at each record's own time, and says which verdicts would change. Pure: the caller
/// reads the records and hands them in one at a time.
/// </summary>
/// <remarks>
/// A record holds the envelope, the client, the login and the <c>From</c> and <c>Sender</c> field
/// values, never the message. What the record cannot show is not guessed: a decision that turned on
/// the header's structure (duplicate, malformed or ambiguous fields, <c>Resent-*</c>), on a
/// suspension, or that was no policy decision at all (a protocol error, a spool failure) is reported
/// as not replayed, with why, and never as a change. One the behavior monitor took part in is judged
/// only when the proposed policy refuses the message by itself (the monitor is never asked about a
/// refused message); otherwise it is not replayed either.
/// </remarks>
public sealed class PolicyReplay
{
    /// <summary>The longest field value a record keeps; a value this long may have been cut.</summary>
    public const int RecordedFieldLimit = 512;

    private static readonly HashSet<string> s_policyRules = new(RuleIds.All, StringComparer.Ordinal);

    private readonly TenantDirectory _directory;
    private readonly PolicyOptions _policy;
    private readonly BlockEntry[] _configured;
    private readonly BlockEntry[] _stored;
    private readonly ReplayClock _clock = new();
    private readonly Dictionary<int, SenderAuthorization> _engines = [];

    /// <param name="directory">The proposed directory (the configuration's, with the control store's overlay when wanted).</param>
    /// <param name="configured">The proposed configuration's blocklist: in force for every record, as configured.</param>
    /// <param name="stored">Operators' blocklist entries: each in force only for records from its <see cref="BlockEntry.AddedAt"/> on.</param>
    /// <param name="policy">The proposed rule actions and options.</param>
    public PolicyReplay(TenantDirectory directory, Blocklist configured, IReadOnlyList<BlockEntry> stored, PolicyOptions policy)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(stored);
        _directory = directory;
        _policy = policy;
        _configured = [.. configured.Entries];
        _stored = [.. stored.OrderBy(b => b.AddedAt ?? DateTimeOffset.MinValue)];
    }

    /// <summary>
    /// The policy a running relay judges with now — its effective directory (the control store's
    /// overlay included), the configured and stored blocklist entries — with <paramref name="overrides"/>
    /// laid over its rule actions.
    /// </summary>
    public static PolicyReplay ForHost(Relay.RelayHost host, IReadOnlyDictionary<string, RuleAction> overrides)
    {
        ArgumentNullException.ThrowIfNull(host);
        var engine = host.Engines.Current;
        return new PolicyReplay(engine.Directory, host.Config.Blocklist, host.Control.Blocks(), RuleActionOverrides.Apply(engine.Options, overrides));
    }

    /// <summary>The rules that failed (or erred) in a verdict, each once, in order: what a replay shows beside its action.</summary>
    public static IReadOnlyList<string> FailedRules(Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return [.. verdict.Reasons.Where(r => r.Outcome != ReasonOutcome.Info).Select(r => r.Rule).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Judges one record again.</summary>
    public ReplayOutcome Replay(DecisionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (Unreplayable(record, out string? monitorRule) is { } why)
        {
            return new ReplayOutcome(record, ReplayStatus.NotReplayed, null, why);
        }

        _clock.Now = record.Time;
        var engine = EngineAt(record.Time);
        IPAddress? client = IPAddress.TryParse(record.ClientIp, out var ip) ? ip : null;
        string mailFrom = record.MailFrom ?? string.Empty;
        Verdict verdict;
        switch (record.Stage)
        {
            case "smtp.mail":
                verdict = engine.Evaluate(Submission(client, record, mailFrom, [], default), SubmissionStage.Mail);
                break;
            case "smtp.rcpt":
                var envelope = Submission(client, record, mailFrom, [], default);
                verdict = engine.Evaluate(envelope, SubmissionStage.Mail);
                if (verdict.Action is not (VerdictAction.Reject or VerdictAction.Defer) && record.Recipients.Count > 0)
                {
                    verdict = engine.EvaluateRecipient(envelope, record.Recipients[0]);
                }

                break;
            default:
                verdict = engine.Evaluate(Submission(client, record, mailFrom, record.Recipients, Header(record)), SubmissionStage.Data);
                break;
        }

        if (monitorRule is not null && verdict.Action is not (VerdictAction.Reject or VerdictAction.Defer))
        {
            // The monitor judges only what the policy lets through, and its windows are not replayed: the
            // outcome is known only when the proposed policy refuses the message on its own.
            return new ReplayOutcome(record, ReplayStatus.NotReplayed, null, $"decided by the behavior monitor ({monitorRule}), which a replay does not run");
        }

        return new ReplayOutcome(record, verdict.Action == record.Action ? ReplayStatus.Same : ReplayStatus.Changed, verdict, null);
    }

    /// <summary>
    /// Why a record cannot be judged again from what it holds; null when it can. <paramref name="monitorRule"/>
    /// names the first behavior-monitor rule behind the decision: such a record is judged only when the
    /// proposed policy refuses it by itself.
    /// </summary>
    private static string? Unreplayable(DecisionRecord record, out string? monitorRule)
    {
        monitorRule = null;
        ArgumentNullException.ThrowIfNull(record);
        if (record.Stage is not ("smtp.mail" or "smtp.rcpt" or "smtp.data"))
        {
            return $"stage {record.Stage} is not replayed";
        }

        bool policyFailure = false;
        foreach (var reason in record.Reasons)
        {
            if (!s_policyRules.Contains(reason.Rule))
            {
                monitorRule ??= reason.Rule;
                continue;
            }

            if (reason.Rule == RuleIds.LoginSuspended)
            {
                return "the account was suspended (operator or monitor state)";
            }

            if (HeaderStructure(reason.Rule))
            {
                return $"turned on the header's structure ({reason.Rule}), which a record does not keep";
            }

            if (reason.Rule == RuleIds.RecipientLimit)
            {
                return "refused for the message's recipient count, which a RCPT record does not keep";
            }

            if (reason.Rule == RuleIds.FromForwarded && record.Sender is null)
            {
                return "forwarding attributed by Resent-* fields, which a record does not keep";
            }

            policyFailure |= reason.Outcome is ReasonOutcome.Fail or ReasonOutcome.Error;
        }

        if (record.Action is VerdictAction.Reject or VerdictAction.Defer && !policyFailure && monitorRule is null)
        {
            return "not a policy decision (a protocol error or a local failure)";
        }

        if (record.Action == VerdictAction.Defer && record.Reply.Contains(" 4.3.0 ", StringComparison.Ordinal) && !record.Reasons.Any(r => r.Outcome == ReasonOutcome.Error))
        {
            return "deferred for a local failure (spool), not by the policy";
        }

        if (record.Stage == "smtp.data" && (Cut(record.From) || Cut(record.Sender)))
        {
            return "a recorded header value was cut or not valid UTF-8";
        }

        return null;
    }

    private static bool HeaderStructure(string rule) =>
        rule == RuleIds.HeaderMalformed || rule.Contains("resent", StringComparison.Ordinal)
        || rule.EndsWith(".duplicate", StringComparison.Ordinal) || rule.EndsWith(".ambiguous", StringComparison.Ordinal);

    private static bool Cut(string? value) => value is not null && (value.Length >= RecordedFieldLimit || value.Contains('\uFFFD', StringComparison.Ordinal));

    private static Submission Submission(IPAddress? client, DecisionRecord record, string mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> message) => new()
    {
        ClientIp = client,
        AuthLogin = record.AuthLogin,
        MailFrom = mailFrom,
        LenientMailFrom = true,
        Recipients = recipients,
        Message = message,
    };

    /// <summary>The header block the record can give back: its <c>From</c> and <c>Sender</c> fields, as recorded.</summary>
    internal static byte[] Header(DecisionRecord record)
    {
        var header = new StringBuilder();
        if (record.From is { } from)
        {
            header.Append("From: ").Append(from).Append("\r\n");
        }

        if (record.Sender is { } sender)
        {
            header.Append("Sender: ").Append(sender).Append("\r\n");
        }

        header.Append("\r\n");
        return Encoding.UTF8.GetBytes(header.ToString());
    }

    /// <summary>The engine with the configured blocks and the stored ones added at or before <paramref name="time"/>.</summary>
    private SenderAuthorization EngineAt(DateTimeOffset time)
    {
        int count = 0;
        while (count < _stored.Length && (_stored[count].AddedAt ?? DateTimeOffset.MinValue) <= time)
        {
            count++;
        }

        if (!_engines.TryGetValue(count, out var engine))
        {
            var blocklist = count == 0 && _configured.Length == 0 ? Blocklist.Empty : new Blocklist([.. _configured, .. _stored.AsSpan(0, count)]);
            _engines[count] = engine = new SenderAuthorization(_directory, blocklist, _policy, _clock);
        }

        return engine;
    }

    private sealed class ReplayClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

/// <summary>What replaying one record found.</summary>
public enum ReplayStatus
{
    /// <summary>The proposed policy takes the same action.</summary>
    Same,
    /// <summary>The proposed policy takes another action.</summary>
    Changed,
    /// <summary>The record cannot be judged again from what it holds (<see cref="ReplayOutcome.Why"/>).</summary>
    NotReplayed,
}

/// <summary>One record, replayed: the proposed verdict, or why it was not replayed.</summary>
public sealed record ReplayOutcome(DecisionRecord Record, ReplayStatus Status, Verdict? Proposed, string? Why);
