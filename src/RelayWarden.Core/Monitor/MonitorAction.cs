namespace RelayWarden.Core.Monitor;

/// <summary>What a monitor rule does when it fires, from mildest to strongest (the strongest wins).</summary>
public enum MonitorAction
{
    /// <summary>Record an alert with evidence; the message is relayed.</summary>
    Alert = 0,
    /// <summary>Accept (250) and quarantine for a person to release.</summary>
    Hold = 1,
    /// <summary>451 4.7.1: the client retries later, nothing is lost.</summary>
    Defer = 2,
    /// <summary>550 5.7.1 for this message.</summary>
    Reject = 3,
    /// <summary>Reject this and every later message of the key until a person lifts it.</summary>
    Suspend = 4,
}

/// <summary>How urgent an alert is, for channels and the console.</summary>
public enum MonitorSeverity
{
    Low,
    Medium,
    High,
    Critical,
}
