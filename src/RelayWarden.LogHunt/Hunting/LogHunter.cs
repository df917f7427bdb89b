using System.Globalization;
using RelayWarden.Core.Monitor;
using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Hunting;

/// <summary>
/// Replays joined records through the very same <see cref="BehaviorMonitor"/> as the inline front doors, in log
/// time: one <see cref="Observation"/> per message when its recipients are known (account = SASL login, client IP,
/// envelope sender, recipients sent or deferred; bounced and RCPT-rejected recipients count as refused). Later
/// bounces are counted with <see cref="BehaviorMonitor.ObserveRefused"/>.
/// </summary>
public sealed class LogHunter : IRecordSink
{
    private readonly BehaviorMonitor _monitor;
    private readonly HuntOptions _options;
    private readonly Action<HuntAlert>? _onAlert;
    private readonly List<string> _recipients = [];
    private readonly bool _feedClientIp;
    private long _nextEviction;

    public LogHunter(HuntOptions options, Action<HuntAlert>? onAlert = null, bool keepAlerts = true)
    {
        _options = options;
        _onAlert = onAlert;
        KeepAlerts = keepAlerts;
        // A log replay judges every account from its first line in the log (docs/HUNT.md): no
        // "already sending when monitoring started" allowance, which protects live doors after a restart.
        _monitor = new BehaviorMonitor(options.Monitor with { EvidenceMessages = options.EvidenceMessages, PreexistingHours = 0 }, new InMemoryMonitorStore(), TimeProvider.System);
        // A log holds client addresses by the hundred thousand (dynamic IPs, roaming users): their keys are counted
        // only when a rule reads them, else each would cost ~2 KB and feed nothing.
        _feedClientIp = options.Monitor.Rules.Any(r => r.Scope == MonitorKeyKind.ClientIp);
    }

    /// <summary>When false (follow mode), alerts are only handed to the callback, so memory stays constant.</summary>
    public bool KeepAlerts { get; }

    public List<HuntAlert> Alerts { get; } = [];

    /// <summary>Activity per account; for follow mode only flagged accounts are kept.</summary>
    public Dictionary<string, AccountActivity> Accounts { get; } = new(StringComparer.Ordinal);

    public long Observed { get; private set; }

    public void Accepted(MailRecord record, DateTimeOffset time)
    {
        string? account = record.Account ?? (_options.IncludeUnauthenticated && record.ClientIp is not null ? "ip:" + record.ClientIp : null);
        if (account is null)
        {
            return;
        }

        _recipients.Clear();
        int refused = record.RejectedRecipients;
        foreach (var recipient in record.Recipients)
        {
            if (recipient.Status is DeliveryStatus.Bounced or DeliveryStatus.Rejected)
            {
                refused++;
            }
            else
            {
                _recipients.Add(recipient.Address);
            }
        }

        var observation = new Observation
        {
            Time = time,
            Account = account,
            ClientIp = _feedClientIp ? record.ClientIp : null,
            EnvelopeSender = record.Sender,
            Recipients = _recipients.Count == 0 ? [] : [.. _recipients],
            RefusedRecipients = refused,
            MessageId = record.MessageId,
            SubjectHash = record.Subject is null ? null : SubjectHash(record.Subject),
        };
        Observed++;
        long seconds = time.ToUnixTimeSeconds();
        if (seconds >= _nextEviction)
        {
            // Constant memory on endless input: keys idle for longer than the longest window and baseline memory go.
            _monitor.Store.EvictIdle(seconds - (long)_options.StateRetention.TotalSeconds);
            _nextEviction = seconds + 3600;
        }

        var decision = _monitor.Observe(observation);

        if (KeepAlerts || Accounts.ContainsKey(account) || decision.Alerts.Count > 0)
        {
            if (!Accounts.TryGetValue(account, out var activity))
            {
                activity = new AccountActivity { First = time };
                Accounts[account] = activity;
            }

            activity.Last = time;
            activity.Messages++;
            activity.Recipients += _recipients.Count;
            activity.Refused += refused;
            activity.LastClientIp = record.ClientIp ?? activity.LastClientIp;
        }

        foreach (var alert in decision.Alerts)
        {
            var hunt = new HuntAlert
            {
                Account = account,
                DetectedAt = time,
                Alert = alert,
                ClientIp = record.ClientIp,
                QueueId = record.QueueId,
                Window = Figures(alert.Scope, alert.Key, time),
            };
            if (KeepAlerts)
            {
                Alerts.Add(hunt);
            }

            _onAlert?.Invoke(hunt);
        }
    }

    public void Refused(MailRecord record, int count, DateTimeOffset time)
    {
        if (record.Account is { } account)
        {
            _monitor.ObserveRefused(MonitorKeyKind.Account, account, time, count);
        }
    }

    public void Completed(MailRecord record)
    {
    }

    public void Rejected(SmtpReject reject)
    {
    }

    /// <summary>FNV-1a 64 of the subject, hex: alert evidence names the subject without carrying it.</summary>
    public static string SubjectHash(string subject)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in subject)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    private WindowFigures Figures(MonitorKeyKind scope, string key, DateTimeOffset time)
    {
        if (!_monitor.Store.TryGet(scope, key, out var state))
        {
            return default;
        }

        long seconds = time.ToUnixTimeSeconds();
        return new WindowFigures(
            state.Read(new MonitorSignal(SignalMeasure.Messages, SignalWindow.OneHour), seconds),
            state.Read(new MonitorSignal(SignalMeasure.Recipients, SignalWindow.OneHour), seconds),
            state.Read(new MonitorSignal(SignalMeasure.Domains, SignalWindow.OneHour), seconds),
            state.Read(new MonitorSignal(SignalMeasure.RefusedShare, SignalWindow.OneHour), seconds));
    }
}
