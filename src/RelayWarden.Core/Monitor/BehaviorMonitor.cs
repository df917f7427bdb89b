using System.Globalization;
using RelayWarden.Core.Policy;

namespace RelayWarden.Core.Monitor;

/// <summary>
/// The behavior monitor: every front door calls <see cref="Observe"/> once per message (at end of
/// DATA, or at RCPT for a policy server), in event time, and gets a <see cref="MonitorDecision"/>.
/// Counting goes to the <see cref="IMonitorStore"/>; this class only decides. Not thread-safe: the
/// host serializes calls (or partitions accounts over instances).
/// </summary>
public sealed class BehaviorMonitor
{
    private static readonly SignalWindow[] s_figureWindows = [SignalWindow.OneMinute, SignalWindow.TenMinutes, SignalWindow.OneHour, SignalWindow.OneDay];
    private static readonly SignalMeasure[] s_figureMeasures = [SignalMeasure.Messages, SignalMeasure.Recipients, SignalMeasure.NewDomains, SignalMeasure.NewDomainMessages];
    private static readonly SignalMeasure[] s_deviationMeasures = [SignalMeasure.MessagesVsHourOfWeek, SignalMeasure.NewDomainMessagesVsHourOfWeek, SignalMeasure.MessagesVsPopulation, SignalMeasure.NewDomainMessagesVsPopulation];

    private readonly MonitorOptions _options;
    private readonly IMonitorStore _store;
    private readonly TimeProvider _time;
    private readonly MonitorRule[] _rules;
    private readonly long _dedupSeconds;
    private ulong[] _hashBuffer = new ulong[64];
    private readonly DistinctTracking[] _tracking = new DistinctTracking[4];
    private readonly PopulationBaselines _population;

    // The latest observations of all keys, for alert evidence: bounded memory whatever the number of accounts.
    private readonly Observation?[] _recent;
    private long _recentCount;
    private long? _firstObservation;

    public BehaviorMonitor(MonitorOptions options, IMonitorStore store, TimeProvider time)
    {
        _options = options;
        _store = store;
        _time = time;
        _rules = [.. options.Rules];
        _dedupSeconds = (long)options.AlertDedup.TotalSeconds;
        _recent = new Observation?[Math.Max(16, options.EvidenceMessages)];
        _population = new PopulationBaselines(options.PopulationHalfLifeHours);
        _tracking[(int)MonitorKeyKind.Account] = DistinctTracking.Domains | DistinctTracking.Novelty;
        foreach (var rule in _rules)
        {
            foreach (var term in rule.When.Terms)
            {
                _tracking[(int)rule.Scope] |= term.Signal.Measure switch
                {
                    SignalMeasure.Domains => DistinctTracking.Domains,
                    SignalMeasure.DistinctRecipients => DistinctTracking.Recipients,
                    SignalMeasure.NewDomains or SignalMeasure.NewDomainMessages or SignalMeasure.NewDomainShare or SignalMeasure.NewDomainSpread
                        or SignalMeasure.KnownDomains or SignalMeasure.NewDomainMessagesVsBaseline or SignalMeasure.NewDomainMessagesVsHourOfWeek
                        or SignalMeasure.NewDomainMessagesVsPopulation => DistinctTracking.Novelty,
                    _ => DistinctTracking.None,
                };
            }
        }
    }

    public MonitorOptions Options => _options;

    public IMonitorStore Store => _store;

    /// <summary>The peers' hourly figures (per tenant and overall) the <c>*_vs_population</c> signals compare with.</summary>
    public PopulationBaselines Population => _population;

    /// <summary>Counts the message under each key it carries, then evaluates the rules; the strongest action wins.</summary>
    public MonitorDecision Observe(Observation observation)
    {
        if (!_options.Enabled)
        {
            return MonitorDecision.None;
        }

        long seconds = observation.Time.ToUnixTimeSeconds();
        int n = observation.Recipients.Count;
        if (_hashBuffer.Length < 2 * n)
        {
            _hashBuffer = new ulong[Math.Max(2 * n, _hashBuffer.Length * 2)];
        }

        var domains = _hashBuffer.AsSpan(0, n);
        var recipients = _hashBuffer.AsSpan(n, n);
        for (int i = 0; i < n; i++)
        {
            recipients[i] = MonitorHash.Address(observation.Recipients[i], out domains[i]);
        }

        _recent[_recentCount++ % _recent.Length] = observation;
        var account = _store.GetOrAdd(MonitorKeyKind.Account, observation.Account, seconds);
        _firstObservation ??= seconds;
        if (observation.AccountCreatedAt is { } created)
        {
            account.CreatedAt = created.ToUnixTimeSeconds();
        }
        else if (account.CreatedAt is null && _options.PreexistingHours > 0 &&
            account.FirstSeen < _firstObservation.Value + (long)(_options.PreexistingHours * 3600))
        {
            // Sending already when monitoring started: not a new account (see MonitorOptions.PreexistingHours).
            account.CreatedAt = _firstObservation.Value - (long)(_options.PreexistingHours * 3600);
        }

        if (account.Record(seconds, observation, domains, recipients, _options.BaselineHalfLifeHours, _tracking[(int)MonitorKeyKind.Account], out var completedHour))
        {
            _population.Add(observation.Tenant, seconds, in completedHour);
        }

        var tenant = Record(MonitorKeyKind.Tenant, observation.Tenant, seconds, observation, domains, recipients);
        var ip = Record(MonitorKeyKind.ClientIp, observation.ClientIp, seconds, observation, domains, recipients);
        // The null sender is no identity: counting it as one key would lump every bounce of every account together.
        var sender = Record(MonitorKeyKind.Sender, observation.IsNullSender ? null : observation.EnvelopeSender, seconds, observation, domains, recipients);

        if (account.Suspended || tenant?.Suspended == true || ip?.Suspended == true || sender?.Suspended == true)
        {
            var suspended = account.Suspended ? account : tenant?.Suspended == true ? tenant : ip?.Suspended == true ? ip : sender!;
            var reason = new Reason(MonitorRuleIds.Suspended, ReasonOutcome.Fail,
                $"suspended by {suspended.SuspendedBy}; lift it to resume", new Evidence { Tenant = observation.Tenant, Address = observation.Account });
            return new MonitorDecision(MonitorAction.Suspend, VerdictAction.Reject, MonitorDecision.SuspendedReply, [reason], []);
        }

        List<Reason>? reasons = null;
        List<MonitorAlert>? alerts = null;
        MonitorAction? strongest = null;
        for (int r = 0; r < _rules.Length; r++)
        {
            var rule = _rules[r];
            var state = rule.Scope switch
            {
                MonitorKeyKind.Account => account,
                MonitorKeyKind.Tenant => tenant,
                MonitorKeyKind.ClientIp => ip,
                _ => sender,
            };
            if (state is null || !Holds(rule.When.TermArray, state, seconds, observation.Tenant))
            {
                continue;
            }

            string key = rule.Scope switch
            {
                MonitorKeyKind.Account => observation.Account,
                MonitorKeyKind.Tenant => observation.Tenant!,
                MonitorKeyKind.ClientIp => observation.ClientIp!,
                _ => observation.EnvelopeSender!,
            };
            (reasons ??= []).Add(new Reason(rule.Id, ReasonOutcome.Fail, Describe(rule, state, seconds, observation.Tenant),
                new Evidence { Tenant = observation.Tenant, Address = key }));
            if (strongest is null || rule.Action > strongest)
            {
                strongest = rule.Action;
            }

            if (!state.AlertedRecently(r, _rules.Length, seconds, _dedupSeconds))
            {
                (alerts ??= []).Add(BuildAlert(rule, state, key, observation.Time, seconds, observation.Tenant, Recent(rule.Scope, key)));
            }

            if (rule.Action == MonitorAction.Suspend)
            {
                state.Suspended = true;
                state.SuspendedBy = rule.Id;
            }
        }

        if (strongest is not { } action)
        {
            return MonitorDecision.None;
        }

        return new MonitorDecision(action, MonitorDecision.ToVerdictAction(action), MonitorDecision.ReplyFor(action),
            reasons!, alerts is null ? [] : alerts);
    }

    /// <summary>Counts recipients refused after acceptance (delivery 5xx, bounces) against a key, at event time <paramref name="time"/>.</summary>
    public void ObserveRefused(MonitorKeyKind kind, string key, DateTimeOffset time, int count)
    {
        long seconds = time.ToUnixTimeSeconds();
        if (count > 0 && _store.TryGet(kind, key, out var state) &&
            state.RecordRefused(seconds, count, _options.BaselineHalfLifeHours, out var completedHour) && kind == MonitorKeyKind.Account)
        {
            // The account's tenant is not known here: its completed hour counts for all accounts only.
            _population.Add(null, seconds, in completedHour);
        }
    }

    /// <summary>Suspends a key by hand (an operator, or another engine); its mail is rejected until <see cref="Lift"/>.</summary>
    public void Suspend(MonitorKeyKind kind, string key, string by)
    {
        var state = _store.GetOrAdd(kind, key, _time.GetUtcNow().ToUnixTimeSeconds());
        state.Suspended = true;
        state.SuspendedBy = by;
    }

    /// <summary>Lifts a suspension; true when the key was suspended.</summary>
    public bool Lift(MonitorKeyKind kind, string key)
    {
        if (_store.TryGet(kind, key, out var state) && state.Suspended)
        {
            state.Suspended = false;
            state.SuspendedBy = null;
            return true;
        }

        return false;
    }

    public bool IsSuspended(MonitorKeyKind kind, string key) => _store.TryGet(kind, key, out var state) && state.Suspended;

    private MonitorState? Record(MonitorKeyKind kind, string? key, long seconds, Observation observation, ReadOnlySpan<ulong> domains, ReadOnlySpan<ulong> recipients)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        var state = _store.GetOrAdd(kind, key, seconds);
        state.Record(seconds, observation, domains, recipients, _options.BaselineHalfLifeHours, _tracking[(int)kind], out _);
        return state;
    }

    private bool Holds(ConditionTerm[] terms, MonitorState state, long seconds, string? tenant)
    {
        foreach (var term in terms)
        {
            if (!term.Holds(Read(state, term.Signal, seconds, tenant)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The value of <paramref name="signal"/> for <paramref name="state"/>: the key's own counters, or for the
    /// <c>*_vs_population</c> signals its 1 h figure over the peers' (the tenant's accounts, else all accounts).
    /// </summary>
    public double Read(MonitorState state, MonitorSignal signal, long seconds, string? tenant)
    {
        int measure;
        switch (signal.Measure)
        {
            case SignalMeasure.MessagesVsPopulation:
                measure = 0;
                break;
            case SignalMeasure.RecipientsVsPopulation:
                measure = 1;
                break;
            case SignalMeasure.NewDomainMessagesVsPopulation:
                measure = 2;
                break;
            default:
                return state.Read(signal, seconds);
        }

        ref readonly var hour = ref state.Sums(SignalWindow.OneHour);
        int figure = measure switch { 0 => hour.Messages, 1 => hour.Recipients, _ => hour.NewDomainMessages };
        return figure / Math.Max(1, _population.For(tenant).Quantile(measure));
    }

    private string Describe(MonitorRule rule, MonitorState state, long seconds, string? tenant)
    {
        var parts = new List<string>(rule.When.Terms.Count);
        foreach (var term in rule.When.Terms)
        {
            parts.Add($"{term.Signal}={Format(Read(state, term.Signal, seconds, tenant))}");
        }

        return $"{string.Join(", ", parts)} ({rule.When.Text})";
    }

    private static string Format(double value) => value.ToString(value == Math.Floor(value) ? "0" : "0.##", CultureInfo.InvariantCulture);

    /// <summary>The key's latest observations still in the evidence ring, newest first (at most 8).</summary>
    private List<Observation> Recent(MonitorKeyKind scope, string key)
    {
        var found = new List<Observation>(8);
        long oldest = Math.Max(0, _recentCount - _recent.Length);
        for (long i = _recentCount - 1; i >= oldest && found.Count < 8; i--)
        {
            var candidate = _recent[i % _recent.Length];
            string? candidateKey = candidate is null ? null : scope switch
            {
                MonitorKeyKind.Account => candidate.Account,
                MonitorKeyKind.Tenant => candidate.Tenant,
                MonitorKeyKind.ClientIp => candidate.ClientIp,
                _ => candidate.EnvelopeSender,
            };
            if (candidateKey == key)
            {
                found.Add(candidate!);
            }
        }

        return found;
    }

    private MonitorAlert BuildAlert(MonitorRule rule, MonitorState state, string key, DateTimeOffset time, long seconds, string? tenant, List<Observation> recent)
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var term in rule.When.Terms)
        {
            figures[term.Signal.ToString()] = Read(state, term.Signal, seconds, tenant);
        }

        foreach (var measure in s_figureMeasures)
        {
            foreach (var window in s_figureWindows)
            {
                var signal = new MonitorSignal(measure, window);
                figures.TryAdd(signal.ToString(), state.Read(signal, seconds));
            }
        }

        figures.TryAdd("domains.1h", state.Read(new MonitorSignal(SignalMeasure.Domains, SignalWindow.OneHour), seconds));
        figures.TryAdd("account_age_hours", state.Read(new MonitorSignal(SignalMeasure.AccountAgeHours, SignalWindow.None), seconds));
        foreach (var measure in s_deviationMeasures)
        {
            var signal = new MonitorSignal(measure, SignalWindow.OneHour);
            figures.TryAdd(signal.ToString(), Read(state, signal, seconds, tenant));
        }

        var top = recent
            .SelectMany(o => o.Recipients)
            .Select(r => MonitorHash.DomainOf(r).ToString())
            .GroupBy(d => d, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(g => g.Item2)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(5)
            .ToList();
        var ids = recent.Where(o => o.MessageId is not null).Select(o => o.MessageId!).ToList();
        var subjects = recent.Where(o => o.SubjectHash is not null).Select(o => o.SubjectHash!).ToList();

        return new MonitorAlert
        {
            Rule = rule.Id,
            Severity = rule.Severity,
            Action = rule.Action,
            Scope = rule.Scope,
            Key = key,
            Time = time,
            Condition = rule.When.Text,
            Figures = figures,
            TopDomains = top,
            SampleMessageIds = ids,
            SubjectHashes = subjects,
        };
    }
}
