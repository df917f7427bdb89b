namespace RelayWarden.Hosting.Configuration;

/// <summary>
/// <c>alerts:</c> channels for monitor alerts. Every alert is stored in the control store with its
/// evidence and written as one <c>monitor.alert</c> log line; these add a webhook and an email.
/// </summary>
public sealed record AlertOptions
{
    /// <summary><c>alerts.webhook</c>: a JSON POST per alert; null when off.</summary>
    public WebhookOptions? Webhook { get; init; }

    /// <summary><c>alerts.email</c>: a message to the operators queued in the relay's own spool; null when off.</summary>
    public AlertEmailOptions? Email { get; init; }
}

/// <summary><c>alerts.webhook</c>.</summary>
public sealed record WebhookOptions
{
    /// <summary><c>url</c>: http or https.</summary>
    public required Uri Url { get; init; }

    /// <summary><c>timeout</c>: per attempt. Default 5 s (a slow receiver never holds the alert loop long).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>max_attempts</c>: attempts before the alert is given up on (still stored and logged). Default 5.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary><c>retry_initial</c>: the first backoff; doubled after each failed attempt. Default 1 s.</summary>
    public TimeSpan RetryInitial { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary><c>alerts.email</c>.</summary>
public sealed record AlertEmailOptions
{
    /// <summary><c>to</c>: the operators' addresses.</summary>
    public required IReadOnlyList<string> To { get; init; }

    /// <summary><c>from</c>: default <c>relaywarden@</c> the relay hostname.</summary>
    public string? From { get; init; }
}
