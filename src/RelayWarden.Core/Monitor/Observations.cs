using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Mail.Addresses;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Core.Monitor;

/// <summary>Builds the monitor's <see cref="Observation"/> from a submission the same way at every door (milter, policy server).</summary>
public static class Observations
{
    /// <summary>
    /// The observation of a submission the engine attributed to <paramref name="tenant"/>: account key
    /// (login, or <c>tenant/ip</c>), normalized recipients, envelope sender, and from the header (when
    /// the submission carries one) the message id and the subject's hash.
    /// </summary>
    public static Observation From(Submission submission, string tenant, TenantDirectory directory, int refusedRecipients, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ArgumentNullException.ThrowIfNull(directory);
        string ip = submission.ClientIp?.ToString() ?? "unknown";
        var recipients = new List<string>(submission.Recipients.Count);
        foreach (string path in submission.Recipients)
        {
            if (SmtpPath.TryParseForwardPath(path, true, out var mailbox, out _, out _, out _))
            {
                recipients.Add(mailbox.Address);
            }
        }

        string? sender = SmtpPath.TryParseReversePath(submission.MailFrom, submission.LenientMailFrom, out var reverse, out _, out _) ? reverse.Mailbox?.Address : null;
        string? messageId = null, subjectHash = null;
        var message = submission.Message.Span;
        if (!message.IsEmpty)
        {
            var block = HeaderBlock.Read(message, HeaderLimits.Default);
            messageId = Field(message, block.MessageId);
            subjectHash = Field(message, block.Subject) is { } subject ? Observation.HashSubject(subject) : null;
        }

        var owner = submission.AuthLogin is { Length: > 0 } login ? directory.FindLogin(login)?.Tenant : directory.FindTenant(tenant);
        return new Observation
        {
            Time = time,
            Account = submission.AuthLogin is { Length: > 0 } account ? account : AccountKey.ForIp(tenant, ip),
            Tenant = tenant,
            ClientIp = ip,
            EnvelopeSender = sender,
            Recipients = recipients,
            RefusedRecipients = refusedRecipients,
            AccountCreatedAt = owner?.CreatedAt,
            MessageId = messageId,
            SubjectHash = subjectHash,
        };
    }

    private static string? Field(ReadOnlySpan<byte> message, RawField? field)
    {
        if (field is not { } raw)
        {
            return null;
        }

        var value = message.Slice(raw.ValueStart, Math.Min(raw.ValueLength, 998));
        string text = System.Text.Encoding.UTF8.GetString(value).Replace("\r\n", string.Empty, StringComparison.Ordinal).Replace('\t', ' ').Trim();
        return text.Length > 512 ? text[..512] : text;
    }
}
