using System.Net;
using RelayWarden.Core.Policy;

namespace RelayWarden.Policy;

/// <summary>
/// Translates a policy request into a <see cref="Submission"/>, asks the engine, and translates the
/// verdict back. No policy lives here: what to check at each stage is the engine's.
/// </summary>
public sealed class PolicyDecider
{
    private readonly Func<SenderAuthorization> _engine;

    /// <param name="engine">The current engine (a new one replaces it on reload).</param>
    public PolicyDecider(Func<SenderAuthorization> engine) => _engine = engine;

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
        if (state == "RCPT")
        {
            // The recipient stage first (who may relay at all, routing tricks), then account and envelope.
            var atRecipient = engine.EvaluateRecipient(submission, $"<{recipient}>");
            if (atRecipient.Action != VerdictAction.Relay)
            {
                return (PolicyActions.For(atRecipient), atRecipient);
            }
        }

        var verdict = engine.Evaluate(submission, SubmissionStage.Mail);
        return (PolicyActions.For(verdict), verdict);
    }

    private static string Short(string? text) =>
        text is null ? "(none)" : text.Length > 40 ? text[..40] + "…" : new string(text.Where(c => !char.IsControl(c)).ToArray());
}
