namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>The injected compromise scenarios of issue 4.</summary>
public enum ScenarioKind
{
    /// <summary>(a) Bulk malspam from a compromised existing account: 500-5,000 recipients an hour, 1-3 per message, new domains.</summary>
    BulkMalspam,
    /// <summary>(b) A trial account hours old blasting with the null sender: 20,000-90,000 messages an hour.</summary>
    TrialBlast,
    /// <summary>(c) Moderate spam: 30-100 messages an hour to new domains.</summary>
    ModerateSpam,
    /// <summary>(d) Low and slow: 2-6 messages an hour to new domains for three days.</summary>
    LowAndSlow,
    /// <summary>(e) Thread hijack: 20-60 replies an hour to the account's own past correspondents for six hours.</summary>
    ThreadHijack,
}
