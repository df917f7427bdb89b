using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using RelayWarden.Core.Control;
using RelayWarden.Core.Monitor;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Smtp;
using RelayWarden.Smtp.Spool;

namespace RelayWarden.Hosting.Alerts;

/// <summary>
/// Sends monitor alerts to their channels, off the sessions' path: each alert is stored in the
/// control store with its evidence, written as one <c>monitor.alert</c> log line, queued as an email
/// to the operators in the relay's own spool (<c>alerts.email</c>), and POSTed as JSON to the webhook
/// (<c>alerts.webhook</c>), retried with doubling backoff up to <c>max_attempts</c>.
/// </summary>
public sealed class AlertDispatcher : IAsyncDisposable
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly AlertOptions _options;
    private readonly IControlStore _store;
    private readonly RelayLog _log;
    private readonly MessageSpool? _spool;
    private readonly string _hostname;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly Channel<MonitorAlert> _queue = Channel.CreateUnbounded<MonitorAlert>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public AlertDispatcher(AlertOptions options, IControlStore store, RelayLog log, MessageSpool? spool, string hostname, TimeProvider time)
    {
        _options = options;
        _store = store;
        _log = log;
        _spool = spool;
        _hostname = hostname;
        _time = time;
        _http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Webhook deliveries that succeeded (for tests and the log).</summary>
    public int WebhookDelivered { get; private set; }

    /// <summary>Queues an alert; never blocks.</summary>
    public void Enqueue(MonitorAlert alert) => _queue.Writer.TryWrite(alert);

    /// <summary>The alert as JSON: rule, key, figures, top recipient domains, sample message ids and subject hashes.</summary>
    public static string ToJson(MonitorAlert alert, long id)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return JsonSerializer.Serialize(new AlertBody(id, alert.Time, alert.Rule, Name(alert.Severity), Name(alert.Action), Name(alert.Scope), alert.Key, alert.Condition,
            alert.Figures, [.. alert.TopDomains.Select(d => new DomainCount(d.Domain, d.Count))], alert.SampleMessageIds, alert.SubjectHashes), s_json);
    }

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private async Task LoopAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var alert))
                {
                    try
                    {
                        await DispatchAsync(alert).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                    {
                        return;
                    }
#pragma warning disable CA1031 // The alert loop's fault domain: one bad alert never stops the others.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        _log.Write("alert.error", ("channel", "dispatch"), ("rule", alert.Rule), ("error", $"{exception.GetType().Name}: {exception.Message}"));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DispatchAsync(MonitorAlert alert)
    {
        long id = 0;
        string json = ToJson(alert, 0);
        try
        {
            id = _store.AddAlert(new StoredAlert(0, alert.Time, alert.Rule, Name(alert.Scope), alert.Key, Name(alert.Action), Name(alert.Severity), json));
            json = ToJson(alert, id);
        }
#pragma warning disable CA1031 // A channel failure is logged; the other channels still run.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _log.Write("alert.error", ("channel", "store"), ("rule", alert.Rule), ("error", $"{exception.GetType().Name}: {exception.Message}"));
        }

        _log.Write("monitor.alert", ("alert_id", id), ("rule", alert.Rule), ("severity", Name(alert.Severity)), ("action", Name(alert.Action)),
            ("scope", Name(alert.Scope)), ("key", alert.Key), ("condition", alert.Condition),
            ("figures", string.Join(',', alert.Figures.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key}={f.Value:0.##}")))),
            ("top_domains", string.Join(',', alert.TopDomains.Select(d => $"{d.Domain}:{d.Count}"))),
            ("message_ids", string.Join(',', alert.SampleMessageIds)), ("subject_hashes", string.Join(',', alert.SubjectHashes)));

        if (_options.Email is { } email && _spool is not null)
        {
            try
            {
                await QueueEmailAsync(email, alert, json).ConfigureAwait(false);
            }
#pragma warning disable CA1031
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _log.Write("alert.error", ("channel", "email"), ("rule", alert.Rule), ("error", $"{exception.GetType().Name}: {exception.Message}"));
            }
        }

        if (_options.Webhook is { } webhook)
        {
            await PostAsync(webhook, alert, json).ConfigureAwait(false);
        }
    }

    private async Task PostAsync(WebhookOptions webhook, MonitorAlert alert, string json)
    {
        var delay = webhook.RetryInitial;
        for (int attempt = 1; attempt <= webhook.MaxAttempts; attempt++)
        {
            string error;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(webhook.Timeout);
                using var content = new StringContent(json, Encoding.UTF8, "application/json");
                using var response = await _http.PostAsync(webhook.Url, content, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    WebhookDelivered++;
                    _log.Write("alert.webhook", ("rule", alert.Rule), ("key", alert.Key), ("attempt", attempt), ("status", (int)response.StatusCode));
                    return;
                }

                error = $"HTTP {(int)response.StatusCode}";
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
            {
                error = exception is OperationCanceledException ? "timeout" : $"{exception.GetType().Name}: {exception.Message}";
            }

            _log.Write("alert.error", ("channel", "webhook"), ("rule", alert.Rule), ("key", alert.Key), ("attempt", attempt), ("max_attempts", webhook.MaxAttempts), ("error", error));
            if (attempt == webhook.MaxAttempts)
            {
                return;
            }

            try
            {
                await Task.Delay(delay, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay *= 2;
        }
    }

    private async Task QueueEmailAsync(AlertEmailOptions email, MonitorAlert alert, string json)
    {
        string from = email.From ?? $"relaywarden@{_hostname}";
        var now = _time.GetUtcNow();
        string id = _spool!.NewId();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"From: RelayWarden <{from}>\r\n");
        text.Append(CultureInfo.InvariantCulture, $"To: {string.Join(", ", email.To)}\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Subject: [RelayWarden] {Name(alert.Severity)} alert {alert.Rule} on {alert.Key}\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Date: {now.ToString("r", CultureInfo.InvariantCulture)}\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Message-ID: <alert.{id}@{_hostname}>\r\n");
        text.Append("Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Rule {alert.Rule} ({Name(alert.Severity)}, action {Name(alert.Action)}) fired on {Name(alert.Scope)} {alert.Key} at {alert.Time:u}.\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Condition: {alert.Condition}\r\n\r\nEvidence:\r\n");
        text.Append(json.Replace("\n", "\r\n", StringComparison.Ordinal)).Append("\r\n");
        var envelope = new SpoolEnvelope { Id = id, MailFrom = from, Recipients = email.To, Received = now };
        await _spool.StoreAsync(envelope, ReadOnlyMemory<byte>.Empty, Encoding.UTF8.GetBytes(text.ToString())).ConfigureAwait(false);
        _log.Write("alert.email", ("rule", alert.Rule), ("key", alert.Key), ("queue_id", id), ("to", string.Join(',', email.To)));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private sealed record DomainCount(string Domain, int Count);

    private sealed record AlertBody(long Id, DateTimeOffset Time, string Rule, string Severity, string Action, string Scope, string Key, string Condition,
        IReadOnlyDictionary<string, double> Figures, DomainCount[] TopDomains, IReadOnlyList<string> SampleMessageIds, IReadOnlyList<string> SubjectHashes);
}
