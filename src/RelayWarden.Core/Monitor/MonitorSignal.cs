using System.Collections.Frozen;

namespace RelayWarden.Core.Monitor;

/// <summary>What a signal measures.</summary>
public enum SignalMeasure
{
    Messages,
    Recipients,
    /// <summary>Recipient domains the key had never sent to before.</summary>
    NewDomains,
    /// <summary>Messages with at least one never-seen recipient domain.</summary>
    NewDomainMessages,
    Refused,
    NullSender,
    /// <summary>Distinct recipient domains (exact while small, HyperLogLog beyond).</summary>
    Domains,
    /// <summary>Distinct recipient addresses (exact while small, HyperLogLog beyond).</summary>
    DistinctRecipients,
    /// <summary>NewDomains / Recipients.</summary>
    NewDomainShare,
    /// <summary>Refused / (Recipients + Refused).</summary>
    RefusedShare,
    /// <summary>Hours since the directory's created_at, else since first seen.</summary>
    AccountAgeHours,
    /// <summary>Days since the monitor first saw the key (how mature its baseline is).</summary>
    HistoryDays,
    /// <summary>Domains the key has ever sent to (Bloom filter estimate).</summary>
    KnownDomains,
    /// <summary>How many of the last seven 10-minute buckets hold a new-domain message: sustained novelty, not a one-off burst.</summary>
    NewDomainSpread,
    /// <summary>messages.1h / the key's decayed hourly peak (at least 1).</summary>
    MessagesVsBaseline,
    /// <summary>recipients.1h / the key's decayed hourly peak (at least 1).</summary>
    RecipientsVsBaseline,
    /// <summary>new_domain_messages.1h / the key's decayed hourly peak (at least 1).</summary>
    NewDomainMessagesVsBaseline,
    /// <summary>messages.1h / the key's decayed peak for this hour of the week (see <see cref="MonitorState.HourOfWeekReference"/>).</summary>
    MessagesVsHourOfWeek,
    /// <summary>recipients.1h / the key's decayed peak for this hour of the week.</summary>
    RecipientsVsHourOfWeek,
    /// <summary>new_domain_messages.1h / the key's decayed peak for this hour of the week.</summary>
    NewDomainMessagesVsHourOfWeek,
    /// <summary>messages.1h / the peers' 95th percentile of messages per active account-hour (at least 1); peers = the tenant's accounts, or all.</summary>
    MessagesVsPopulation,
    /// <summary>recipients.1h / the peers' 95th percentile of recipients per active account-hour (at least 1).</summary>
    RecipientsVsPopulation,
    /// <summary>new_domain_messages.1h / the peers' 95th percentile of new-domain messages per active account-hour (at least 1).</summary>
    NewDomainMessagesVsPopulation,
}

/// <summary>A sliding window length.</summary>
public enum SignalWindow
{
    None = 0,
    OneMinute = 60,
    TenMinutes = 600,
    OneHour = 3600,
    OneDay = 86400,
}

/// <summary>A named signal, e.g. <c>new_domain_messages.10m</c> or <c>account_age_hours</c>.</summary>
public readonly record struct MonitorSignal(SignalMeasure Measure, SignalWindow Window)
{
    private static readonly (SignalMeasure Measure, string Name, SignalWindow[] Windows)[] s_table =
    [
        (SignalMeasure.Messages, "messages", [SignalWindow.OneMinute, SignalWindow.TenMinutes, SignalWindow.OneHour, SignalWindow.OneDay]),
        (SignalMeasure.Recipients, "recipients", [SignalWindow.OneMinute, SignalWindow.TenMinutes, SignalWindow.OneHour, SignalWindow.OneDay]),
        (SignalMeasure.NewDomains, "new_domains", [SignalWindow.OneMinute, SignalWindow.TenMinutes, SignalWindow.OneHour, SignalWindow.OneDay]),
        (SignalMeasure.NewDomainMessages, "new_domain_messages", [SignalWindow.OneMinute, SignalWindow.TenMinutes, SignalWindow.OneHour, SignalWindow.OneDay]),
        (SignalMeasure.Refused, "refused", [SignalWindow.OneMinute, SignalWindow.TenMinutes, SignalWindow.OneHour, SignalWindow.OneDay]),
        (SignalMeasure.NullSender, "null_sender", [SignalWindow.OneMinute, SignalWindow.TenMinutes, SignalWindow.OneHour, SignalWindow.OneDay]),
        (SignalMeasure.NewDomainShare, "new_domain_share", [SignalWindow.OneMinute, SignalWindow.TenMinutes, SignalWindow.OneHour, SignalWindow.OneDay]),
        (SignalMeasure.RefusedShare, "refused_share", [SignalWindow.OneMinute, SignalWindow.TenMinutes, SignalWindow.OneHour, SignalWindow.OneDay]),
        (SignalMeasure.Domains, "domains", [SignalWindow.TenMinutes, SignalWindow.OneHour]),
        (SignalMeasure.DistinctRecipients, "distinct_recipients", [SignalWindow.TenMinutes, SignalWindow.OneHour]),
        (SignalMeasure.NewDomainSpread, "new_domain_spread", [SignalWindow.OneHour]),
        (SignalMeasure.MessagesVsBaseline, "messages_vs_baseline", [SignalWindow.OneHour]),
        (SignalMeasure.RecipientsVsBaseline, "recipients_vs_baseline", [SignalWindow.OneHour]),
        (SignalMeasure.NewDomainMessagesVsBaseline, "new_domain_messages_vs_baseline", [SignalWindow.OneHour]),
        (SignalMeasure.MessagesVsHourOfWeek, "messages_vs_how", [SignalWindow.OneHour]),
        (SignalMeasure.RecipientsVsHourOfWeek, "recipients_vs_how", [SignalWindow.OneHour]),
        (SignalMeasure.NewDomainMessagesVsHourOfWeek, "new_domain_messages_vs_how", [SignalWindow.OneHour]),
        (SignalMeasure.MessagesVsPopulation, "messages_vs_population", [SignalWindow.OneHour]),
        (SignalMeasure.RecipientsVsPopulation, "recipients_vs_population", [SignalWindow.OneHour]),
        (SignalMeasure.NewDomainMessagesVsPopulation, "new_domain_messages_vs_population", [SignalWindow.OneHour]),
        (SignalMeasure.AccountAgeHours, "account_age_hours", [SignalWindow.None]),
        (SignalMeasure.HistoryDays, "history_days", [SignalWindow.None]),
        (SignalMeasure.KnownDomains, "known_domains", [SignalWindow.None]),
    ];

    private static readonly FrozenDictionary<string, MonitorSignal> s_byName = Build();

    /// <summary>Every signal name, for configuration messages and docs.</summary>
    public static IReadOnlyCollection<string> Names => s_byName.Keys;

    public static bool TryParse(string name, out MonitorSignal signal) => s_byName.TryGetValue(name, out signal);

    public override string ToString()
    {
        foreach (var (measure, name, _) in s_table)
        {
            if (measure == Measure)
            {
                return Window == SignalWindow.None ? name : $"{name}.{Suffix(Window)}";
            }
        }

        return Measure.ToString();
    }

    private static string Suffix(SignalWindow window) => window switch
    {
        SignalWindow.OneMinute => "1m",
        SignalWindow.TenMinutes => "10m",
        SignalWindow.OneHour => "1h",
        _ => "24h",
    };

    private static FrozenDictionary<string, MonitorSignal> Build()
    {
        var all = new Dictionary<string, MonitorSignal>(StringComparer.Ordinal);
        foreach (var (measure, name, windows) in s_table)
        {
            foreach (var window in windows)
            {
                var signal = new MonitorSignal(measure, window);
                all[window == SignalWindow.None ? name : $"{name}.{Suffix(window)}"] = signal;
            }
        }

        return all.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
