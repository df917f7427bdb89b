using System.Net;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;

namespace RelayWarden.Policy;

/// <summary>
/// Translates a policy request into a <see cref="Submission"/>, asks the engine, and translates the
/// verdict back. No policy lives here: what to check at each stage is the engine's.
/// </summary>
public sealed class PolicyDecider
{
    private const int MaxTrackedMessages = 10_000;

    private readonly Func<SenderAuthorization> _engine;
    private readonly IMonitorGate? _monitor;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    // Recipients seen at RCPT per message (Postfix's "instance"), until END-OF-MESSAGE hands them to the monitor.
    private readonly Dictionary<string, Tracked> _messages = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <param name="engine">The current engine (a new one replaces it on reload).</param>
    public PolicyDecider(Func<SenderAuthorization> engine)
        : this(engine, null, TimeProvider.System)
    {
    }

    /// <summary>A decider that also has each message watched by the shared monitor at END-OF-MESSAGE (recipients collected at RCPT).</summary>
    public PolicyDecider(Func<SenderAuthorization> engine, IMonitorGate? monitor, TimeProvider time)
    {
        _engine = engine;
        _monitor = monitor;
        _time = time;
    }

    private sealed class Tracked
    {
        public List<string> Recipients { get; } = [];

        public int Refused { get; set; }
    }

    /// <summary>The <c>action=</c> value for a request, and the verdict when one was reached.</summary>
    public (string Action, Verdict? Verdict) Decide(PolicyRequest request)
    {
        if (request[PolicyAttributes.Request] != "smtpd_access_policy")
        {
            return (PolicyActions.Malformed($"unsupported request '{Short(request[PolicyAttributes.Request])}'"), null);
        }

        string? state = request[PolicyAttributes.ProtocolState];
        if (state is null)
        {
            return (PolicyActions.Malformed("missing attribute protocol_state"), null);
        }

        // Stages before MAIL say nothing about identities; VRFY/ETRN are not submissions.
        if (state is not ("MAIL" or "RCPT" or "DATA" or "END-OF-MESSAGE" or "BDAT"))
        {
            return (PolicyActions.Dunno, null);
        }

        string? clientAddress = request[PolicyAttributes.ClientAddress];
        IPAddress? client = null;
        if (clientAddress is null || (!IPAddress.TryParse(clientAddress, out client) && clientAddress != "unknown"))
        {
            return (PolicyActions.Malformed("missing or bad attribute client_address"), null);
        }

        string? sender = request[PolicyAttributes.Sender];
        if (sender is null)
        {
            return (PolicyActions.Malformed("missing attribute sender"), null);
        }

        string? recipient = request[PolicyAttributes.Recipient];
        if (state == "RCPT" && string.IsNullOrEmpty(recipient))
        {
            return (PolicyActions.Malformed("missing attribute recipient at RCPT"), null);
        }

        var submission = new Submission
        {
            ClientIp = client,
            AuthLogin = request[PolicyAttributes.SaslUsername] is { Length: > 0 } login ? login : null,
            MailFrom = $"<{sender}>",
        };

        var engine = _engine();
        Verdict? atRecipient = null;
        if (state == "RCPT")
        {
            // The recipient stage first (who may relay at all, routing tricks), then account and envelope.
            atRecipient = engine.EvaluateRecipient(submission, $"<{recipient}>");
            if (atRecipient.Action != VerdictAction.Relay)
            {
                Track(request, recipient!, accepted: false);
                return (PolicyActions.For(atRecipient), atRecipient);
            }
        }

        var verdict = engine.Evaluate(submission, SubmissionStage.Mail);
        if (state == "RCPT")
        {
            Track(request, recipient!, accepted: verdict.Action is VerdictAction.Relay or VerdictAction.Hold);

            // A rule in monitor mode failed: mark the message (PREPEND works before the content
            // arrives, so at RCPT; once a message, at its first recipient).
            if (engine.Options.MonitorHeader is { } header && Join(MonitorHeader.Value(atRecipient!), MonitorHeader.Value(verdict)) is { } rules && FirstMark(request))
            {
                return ($"PREPEND {header}: {rules}", verdict);
            }
        }
        else if (state == "END-OF-MESSAGE")
        {
            var tracked = Take(request);
            verdict = MonitorVerdicts.Apply(_monitor, verdict, tenant => Observations.From(
                new Submission { ClientIp = client, AuthLogin = submission.AuthLogin, MailFrom = submission.MailFrom, Recipients = tracked?.Recipients ?? [] },
                tenant, engine.Directory, tracked?.Refused ?? 0, _time.GetUtcNow()));
        }

        return (PolicyActions.For(verdict), verdict);
    }

    private void Track(PolicyRequest request, string recipient, bool accepted)
    {
        if (_monitor is null || request[PolicyAttributes.Instance] is not { Length: > 0 } instance)
        {
            return;
        }

        lock (_gate)
        {
            if (!_messages.TryGetValue(instance, out var tracked))
            {
                // Forget the names of messages already taken from the front (they end about in the
                // order they began), so the queue holds about the open messages, not every one since
                // the last compaction (long-lived strings the collector would promote and scan).
                while (_order.TryPeek(out string? head) && !_messages.ContainsKey(head))
                {
                    _order.Dequeue();
                }

                while (_messages.Count >= MaxTrackedMessages && _order.TryDequeue(out string? oldest))
                {
                    _messages.Remove(oldest);
                }

                tracked = new Tracked();
                _messages[instance] = tracked;
                _order.Enqueue(instance);
                if (_order.Count > 2 * MaxTrackedMessages)
                {
                    var live = _order.Where(_messages.ContainsKey).ToList(); // drop the names of messages already taken
                    _order.Clear();
                    live.ForEach(_order.Enqueue);
                }
            }

            if (accepted)
            {
                tracked.Recipients.Add(recipient);
            }
            else
            {
                tracked.Refused++;
            }
        }
    }

    private static string? Join(string? first, string? second) =>
        first is null ? second : second is null ? first : first + ", " + second;

    // Messages (instances) already given their monitor header, the oldest forgotten first.
    private readonly HashSet<string> _marked = new(StringComparer.Ordinal);
    private readonly Queue<string> _markedOrder = new();

    private bool FirstMark(PolicyRequest request)
    {
        if (request[PolicyAttributes.Instance] is not { Length: > 0 } instance)
        {
            return true;
        }

        lock (_gate)
        {
            if (!_marked.Add(instance))
            {
                return false;
            }

            _markedOrder.Enqueue(instance);
            while (_markedOrder.Count > MaxTrackedMessages)
            {
                _marked.Remove(_markedOrder.Dequeue());
            }

            return true;
        }
    }

    private Tracked? Take(PolicyRequest request)
    {
        if (request[PolicyAttributes.Instance] is not { Length: > 0 } instance)
        {
            return null;
        }

        lock (_gate)
        {
            return _messages.Remove(instance, out var tracked) ? tracked : null;
        }
    }

    // Echoed in the answer, which Postfix puts in its SMTP reply: printable ASCII only, whatever the peer sent.
    private static string Short(string? text)
    {
        if (text is null)
        {
            return "(none)";
        }

        string printable = new(text.Where(c => !char.IsControl(c)).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
        return printable.Length > 40 ? printable[..40] + "..." : printable;
    }
}
