using RelayWarden.Core.Control;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Hosting.Alerts;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Smtp;

namespace RelayWarden.Hosting.Control;

/// <summary>
/// The one monitor every door shares: serializes <see cref="BehaviorMonitor"/> behind a lock, persists
/// the suspensions its rules decide (account or tenant scope) so the engine refuses the account at
/// MAIL from then on, hands new alerts to the <see cref="AlertDispatcher"/>, and lifts the monitor's
/// own suspension when a person resumes the account in the control store.
/// </summary>
public sealed class MonitorService : IMonitorGate
{
    private readonly BehaviorMonitor _monitor;
    private readonly EngineSource _engines;
    private readonly AlertDispatcher _alerts;
    private readonly RelayLog _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MonitorRule> _rules = new(StringComparer.Ordinal);
    private readonly HashSet<(MonitorKeyKind Kind, string Key)> _suspended = [];

    public MonitorService(BehaviorMonitor monitor, EngineSource engines, AlertDispatcher alerts, RelayLog log)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(engines);
        _monitor = monitor;
        _engines = engines;
        _alerts = alerts;
        _log = log;
        foreach (var rule in monitor.Options.Rules)
        {
            _rules[rule.Id] = rule;
        }

        engines.Rebuilt += OnRebuilt;
    }

    /// <summary>Rules an operator allowed for a key (a dismissed false positive): their action and alerts are dropped for it.</summary>
    public MonitorAllowances Allowances { get; } = new();

    public MonitorDecision Observe(Observation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        MonitorDecision decision;
        try
        {
            lock (_gate)
            {
                decision = _monitor.Observe(observation);
            }
        }
#pragma warning disable CA1031 // The monitor's fault domain: a bug costs this message's observation, never the session.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _log.Write("monitor.error", ("account", observation.Account), ("error", $"{exception.GetType().Name}: {exception.Message}"));
            return MonitorDecision.None;
        }

        if (decision.Reasons.Count > 0 && Allowances.Count > 0)
        {
            decision = Allow(decision, observation.Time);
        }

        if (decision.Action == MonitorAction.Suspend)
        {
            Persist(decision, observation.Time);
        }

        foreach (var alert in decision.Alerts)
        {
            RelayMeters.Alerts.Add(1, new KeyValuePair<string, object?>("rule", alert.Rule), new KeyValuePair<string, object?>("severity", Severity(alert.Severity)));
            _alerts.Enqueue(alert);
        }

        return decision;
    }

    public void ObserveRefused(string account, DateTimeOffset time, int count)
    {
        try
        {
            lock (_gate)
            {
                _monitor.ObserveRefused(MonitorKeyKind.Account, account, time, count);
            }
        }
#pragma warning disable CA1031
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _log.Write("monitor.error", ("account", account), ("error", $"{exception.GetType().Name}: {exception.Message}"));
        }
    }

    private static string Severity(MonitorSeverity severity) => severity switch
    {
        MonitorSeverity.Low => "low",
        MonitorSeverity.Medium => "medium",
        MonitorSeverity.High => "high",
        _ => "critical",
    };

    /// <summary>Drops the reasons and alerts of allowed (rule, key) pairs and recomputes the strongest action.</summary>
    private MonitorDecision Allow(MonitorDecision decision, DateTimeOffset time)
    {
        List<Reason>? kept = null;
        List<(MonitorKeyKind Kind, string Key)>? lifted = null;
        for (int i = 0; i < decision.Reasons.Count; i++)
        {
            var reason = decision.Reasons[i];
            if (reason.Evidence.Address is { } key && _rules.TryGetValue(reason.Rule, out var rule) && Allowances.IsAllowed(reason.Rule, key, time))
            {
                kept ??= [.. decision.Reasons.Take(i)];
                if (rule.Action == MonitorAction.Suspend)
                {
                    (lifted ??= []).Add((rule.Scope, key));
                }

                _log.Write("monitor.allowed", ("rule", reason.Rule), ("key", key), ("detail", reason.Detail));
                continue;
            }

            kept?.Add(reason);
        }

        if (kept is null)
        {
            return decision;
        }

        MonitorAction? strongest = null;
        foreach (var reason in kept)
        {
            var action = _rules.TryGetValue(reason.Rule, out var rule) ? rule.Action : MonitorAction.Suspend;
            if (strongest is null || action > strongest)
            {
                strongest = action;
            }
        }

        if (lifted is not null && strongest != MonitorAction.Suspend)
        {
            // The allowed rule had suspended the key in the monitor's memory while deciding: undo it.
            lock (_gate)
            {
                foreach (var (kind, key) in lifted)
                {
                    _monitor.Lift(kind, key);
                }
            }
        }

        if (strongest is not { } strongestAction)
        {
            return MonitorDecision.None;
        }

        var alerts = decision.Alerts.Where(alert => !Allowances.IsAllowed(alert.Rule, alert.Key, time)).ToList();
        var reply = strongestAction switch
        {
            MonitorAction.Alert => SmtpReply.Accepted,
            MonitorAction.Hold => SmtpReply.Held,
            MonitorAction.Defer => MonitorDecision.DeferReply,
            MonitorAction.Reject => MonitorDecision.RejectReply,
            _ => MonitorDecision.SuspendedReply,
        };
        return new MonitorDecision(strongestAction, MonitorDecision.ToVerdictAction(strongestAction), reply, kept, alerts);
    }

    private void Persist(MonitorDecision decision, DateTimeOffset time)
    {
        bool changed = false;
        foreach (var reason in decision.Reasons)
        {
            if (!_rules.TryGetValue(reason.Rule, out var rule) || rule.Action != MonitorAction.Suspend || reason.Evidence.Address is not { } key)
            {
                continue;
            }

            lock (_gate)
            {
                _suspended.Add((rule.Scope, key));
            }

            try
            {
                if (Store(rule, key, reason.Detail, time))
                {
                    changed = true;
                    _log.Write("monitor.suspend", ("scope", rule.Scope.ToString().ToLowerInvariant()), ("key", key), ("rule", rule.Id), ("detail", reason.Detail));
                }
            }
#pragma warning disable CA1031 // The store is down: the monitor still refuses the key in memory.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _log.Write("control.error", ("key", key), ("error", $"{exception.GetType().Name}: {exception.Message}"));
            }
        }

        if (changed)
        {
            try
            {
                _engines.Refresh();
            }
#pragma warning disable CA1031 // The poll loop retries within 2 s; the monitor already refuses the account.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _log.Write("control.error", ("error", $"{exception.GetType().Name}: {exception.Message}"));
            }
        }
    }

    /// <summary>
    /// Persists a suspension the monitor decided so it survives a restart and every door enforces it:
    /// accounts and tenants as suspensions, client IPs and envelope senders as blocklist entries (kind
    /// ip / address) that a person removes with <c>block remove</c> or the console. False when already stored.
    /// </summary>
    private bool Store(MonitorRule rule, string key, string? detail, DateTimeOffset time)
    {
        string why = $"{rule.Id}: {detail}";
        switch (rule.Scope)
        {
            case MonitorKeyKind.Account:
                return _engines.Store.Suspend(new Suspension(SuspensionScope.Account, key, "monitor", time, why));
            case MonitorKeyKind.Tenant:
                return _engines.Store.Suspend(new Suspension(SuspensionScope.Tenant, key, "monitor", time, why));
            default:
                var kind = BlockOf(rule.Scope);
                if (ConfigLoader.NormalizeBlockValue(kind, key, out string? problem) is not { } value)
                {
                    _log.Write("monitor.suspend-not-stored", ("key", key), ("rule", rule.Id), ("problem", problem));
                    return false;
                }

                if (Blocked(_engines.Current, kind, key))
                {
                    return false;
                }

                _engines.Store.AddBlock(new BlockEntry(kind, value, null, why, "monitor", time));
                return true;
        }
    }

    private static BlockKind BlockOf(MonitorKeyKind kind) => kind == MonitorKeyKind.ClientIp ? BlockKind.Ip : BlockKind.Address;

    private static bool Blocked(SenderAuthorization engine, BlockKind kind, string key)
    {
        string value = ConfigLoader.NormalizeBlockValue(kind, key, out _) ?? key;
        foreach (var entry in engine.Blocklist.Entries)
        {
            if (entry.Kind == kind && string.Equals(entry.Value, value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A person lifted a suspension (or removed the block) the monitor had set: lift it in the monitor too.</summary>
    private void OnRebuilt(SenderAuthorization engine)
    {
        lock (_gate)
        {
            _suspended.RemoveWhere(entry =>
            {
                bool stillStored = entry.Kind switch
                {
                    MonitorKeyKind.Account => engine.Suspensions.Find(SuspensionScope.Account, entry.Key) is not null,
                    MonitorKeyKind.Tenant => engine.Suspensions.Find(SuspensionScope.Tenant, entry.Key) is not null,
                    _ => Blocked(engine, BlockOf(entry.Kind), entry.Key),
                };
                if (stillStored)
                {
                    return false;
                }

                _monitor.Lift(entry.Kind, entry.Key);
                return true;
            });
        }
    }
}
