using System.Net;
using RelayWarden.Core.Control;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Monitor;
using RelayWarden.Mail.Addresses;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Core.Policy;

/// <summary>
/// The sender-authorization engine (DESIGN, "Sender authorization — the semantics"): may this
/// submitter send as these identities? Pure: it is handed the directory, the blocklist, the options
/// and a clock, and returns a verdict. Every front door calls it the same way.
/// </summary>
public sealed class SenderAuthorization
{
    private readonly TenantDirectory _directory;
    private readonly Blocklist _blocklist;
    private readonly PolicyOptions _options;
    private readonly TimeProvider _time;
    private readonly Suspensions _suspensions;

    public SenderAuthorization(TenantDirectory directory, Blocklist blocklist, PolicyOptions options, TimeProvider time)
        : this(directory, blocklist, Suspensions.None, options, time)
    {
    }

    /// <summary>The engine with the suspended accounts and tenants (refused at MAIL until lifted).</summary>
    public SenderAuthorization(TenantDirectory directory, Blocklist blocklist, Suspensions suspensions, PolicyOptions options, TimeProvider time)
    {
        _directory = directory;
        _blocklist = blocklist;
        _suspensions = suspensions;
        _options = options;
        _time = time;
    }

    public Blocklist Blocklist => _blocklist;

    public Suspensions Suspensions => _suspensions;

    public TenantDirectory Directory => _directory;

    /// <summary>The settings this engine judges with.</summary>
    public PolicyOptions Options => _options;

    /// <summary>Evaluates a submission at a stage. Never throws: a fault becomes an <c>engine.error</c> reason.</summary>
    public Verdict Evaluate(Submission submission, SubmissionStage stage)
    {
        var verdict = new VerdictBuilder(_options);
        try
        {
            Evaluate(submission, stage, verdict);
        }
#pragma warning disable CA1031 // The engine's fault domain: any bug becomes a reason, never an escaped exception.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            verdict.Error($"{exception.GetType().Name}: {exception.Message}");
        }

        return verdict.Build();
    }

    /// <summary>
    /// Evaluates one RCPT TO: the submitter must be known (never an open relay) and the forward path
    /// must carry no routing tricks. Account and envelope checks belong to MAIL (<see cref="Evaluate(Submission, SubmissionStage)"/>).
    /// </summary>
    public Verdict EvaluateRecipient(Submission submission, string recipient)
    {
        var verdict = new VerdictBuilder(_options);
        try
        {
            if (ResolveTenant(submission, verdict, _time.GetUtcNow()) is { } context)
            {
                CheckRecipient(recipient, submission.LenientMailFrom, context);
                if (_options.MaxRecipients > 0 && submission.Recipients.Count >= _options.MaxRecipients)
                {
                    verdict.Fail(RuleIds.RecipientLimit, $"RCPT TO {Printable(recipient)}: the message already has {submission.Recipients.Count} recipients (limit {_options.MaxRecipients})",
                        context.Evidence("RCPT TO", Printable(recipient), null, null));
                }
            }
        }
#pragma warning disable CA1031 // The engine's fault domain.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            verdict.Error($"{exception.GetType().Name}: {exception.Message}");
        }

        return verdict.Build();
    }

    private void Evaluate(Submission submission, SubmissionStage stage, VerdictBuilder verdict)
    {
        if (stage == SubmissionStage.Mail && submission.AuthLogin is not { Length: > 0 } &&
            (submission.ClientIp is null || _directory.FindNetwork(submission.ClientIp) is null))
        {
            return; // An unknown client is refused at RCPT (relay.denied, EvaluateRecipient), as MTAs do: nothing to judge at MAIL.
        }

        if (ResolveTenant(submission, verdict, _time.GetUtcNow()) is not { } context)
        {
            return;
        }

        CheckAccount(submission, context);
        var envelope = CheckEnvelope(submission, context);
        foreach (var recipient in submission.Recipients)
        {
            CheckRecipient(recipient, submission.LenientMailFrom, context);
        }

        if (stage == SubmissionStage.Data)
        {
            CheckHeaders(submission, context, envelope);
        }
    }

    /// <summary>The submitting tenant: the login when there is one, else the client address; neither is relay denied.</summary>
    private Context? ResolveTenant(Submission submission, VerdictBuilder verdict, DateTimeOffset now)
    {
        Tenant? tenant;
        TenantUser? user = null;
        if (submission.AuthLogin is { Length: > 0 } login)
        {
            user = _directory.FindLogin(login);
            if (user is null)
            {
                verdict.Fail(RuleIds.LoginUnknown, $"login '{Printable(login)}' belongs to no tenant", new Evidence { Address = Printable(login) });
                return null;
            }

            tenant = user.Tenant;
        }
        else
        {
            tenant = submission.ClientIp is null ? null : _directory.FindNetwork(submission.ClientIp);
            if (tenant is null)
            {
                verdict.Fail(RuleIds.RelayDenied, $"client {submission.ClientIp?.ToString() ?? "(unknown)"} is in no tenant's networks and did not authenticate",
                    new Evidence { Address = submission.ClientIp?.ToString() });
                return null;
            }
        }

        verdict.Tenant = tenant.Id;
        return new Context(tenant, user, verdict, now);
    }

    /// <summary>Open-relay protection on a forward path: no source routes, percent hack, bang paths, quoted '@' or address literals.</summary>
    private static void CheckRecipient(string recipient, bool lenient, Context context)
    {
        if (SmtpPath.TryParseForwardPath(recipient, lenient, out _, out _, out var error, out var domainError))
        {
            return;
        }

        string rule = error switch
        {
            PathError.SourceRoute or PathError.RoutingCharacters or PathError.HiddenAddress => RuleIds.RecipientRouting,
            PathError.InvalidDomain => RuleIds.RecipientInvalidDomain,
            _ => RuleIds.RecipientSyntax,
        };
        context.Verdict.Fail(rule, $"RCPT TO {Printable(recipient)}: {SmtpPath.Describe(error, domainError)}",
            context.Evidence("RCPT TO", Printable(recipient), null, null));
    }

    private sealed record Context(Tenant Tenant, TenantUser? User, VerdictBuilder Verdict, DateTimeOffset Now)
    {
        public Evidence Evidence(string header, string? address, string? domain, Tenant? owner) =>
            new() { Header = header, Address = address, Domain = domain, Owner = owner?.Id, Tenant = Tenant.Id };
    }

    private void CheckAccount(Submission submission, Context context)
    {
        var tenant = context.Tenant;
        var verdict = context.Verdict;
        if (tenant.Status == TenantStatus.Suspended)
        {
            verdict.Fail(RuleIds.AccountSuspended, $"tenant '{tenant.Id}' is suspended", new Evidence { Tenant = tenant.Id });
        }

        CheckSuspensions(submission, context);
        if (!tenant.MaySendOutbound)
        {
            verdict.Fail(RuleIds.TrialOutbound, $"tenant '{tenant.Id}' is a self-service trial: no outbound relay", new Evidence { Tenant = tenant.Id });
        }

        if (_blocklist.IsEmpty)
        {
            return;
        }

        if (submission.ClientIp is not null && _blocklist.MatchIp(submission.ClientIp, context.Now) is { } ip)
        {
            verdict.Fail(RuleIds.BlockedIp, $"client {submission.ClientIp} is blocklisted ({ip.Value}{Why(ip)})", new Evidence { Address = submission.ClientIp.ToString(), Tenant = tenant.Id });
        }

        if (context.User is not null && _blocklist.MatchLogin(context.User.Login, context.Now) is { } login)
        {
            verdict.Fail(RuleIds.BlockedLogin, $"login '{context.User.Login}' is blocklisted{Why(login)}", new Evidence { Address = context.User.Login, Tenant = tenant.Id });
        }
    }

    private void CheckSuspensions(Submission submission, Context context)
    {
        if (_suspensions.IsEmpty)
        {
            return;
        }

        var tenant = context.Tenant;
        if (_suspensions.Find(SuspensionScope.Tenant, tenant.Id) is { } onTenant)
        {
            context.Verdict.Fail(RuleIds.AccountSuspended, $"tenant '{tenant.Id}' is suspended by {onTenant.By} since {onTenant.At:u}{Why(onTenant.Why)}",
                new Evidence { Tenant = tenant.Id });
        }

        string? account = context.User?.Login ?? (submission.ClientIp is { } ip ? AccountKey.ForIp(tenant.Id, ip.ToString()) : null);
        if (account is not null && _suspensions.Find(SuspensionScope.Account, account) is { } onAccount)
        {
            context.Verdict.Fail(RuleIds.LoginSuspended, $"account '{account}' is suspended by {onAccount.By} since {onAccount.At:u}{Why(onAccount.Why)}",
                new Evidence { Address = account, Tenant = tenant.Id });
        }
    }

    private static string Why(string? why) => why is { Length: > 0 } ? $": {why}" : string.Empty;

    private static string Why(BlockEntry entry) => entry.Reason is { Length: > 0 } reason ? $": {reason}" : string.Empty;

    /// <summary>Checks E, the envelope sender. Returns the parsed path (null mailbox for the null path) or null when unreadable.</summary>
    private ReversePath? CheckEnvelope(Submission submission, Context context)
    {
        var verdict = context.Verdict;
        if (!SmtpPath.TryParseReversePath(submission.MailFrom, submission.LenientMailFrom, out var path, out var error, out var domainError))
        {
            string rule = error == PathError.InvalidDomain ? RuleIds.EnvelopeInvalidDomain : RuleIds.EnvelopeSyntax;
            verdict.Fail(rule, $"MAIL FROM {Printable(submission.MailFrom)}: {SmtpPath.Describe(error, domainError)}",
                context.Evidence("MAIL FROM", Printable(submission.MailFrom), null, null));
            return null;
        }

        if (path.Mailbox is not { } mailbox)
        {
            return path;
        }

        var owner = _directory.FindOwner(mailbox.Domain)?.Tenant;
        var evidence = context.Evidence("MAIL FROM", mailbox.Address, mailbox.Domain, owner);
        if (owner is null)
        {
            verdict.Fail(RuleIds.EnvelopeExternal, $"envelope sender {mailbox.Address}: domain {mailbox.Domain} belongs to no tenant", evidence);
        }
        else if (owner != context.Tenant)
        {
            verdict.Fail(RuleIds.EnvelopeOtherTenant, $"envelope sender {mailbox.Address}: domain {mailbox.Domain} belongs to tenant '{owner.Id}'", evidence);
        }
        else if (context.User is { } user && !user.MayUse(mailbox))
        {
            verdict.Fail(RuleIds.EnvelopeLoginAddress, $"envelope sender {mailbox.Address} is not one of login '{user.Login}''s addresses", evidence);
        }

        CheckBlockedIdentity(mailbox, "MAIL FROM", context);
        return path;
    }

    private void CheckBlockedIdentity(Mailbox mailbox, string header, Context context)
    {
        if (_blocklist.IsEmpty)
        {
            return;
        }

        if (_blocklist.MatchAddress(mailbox.Address, context.Now) is { } address)
        {
            context.Verdict.Fail(RuleIds.BlockedAddress, $"{header} {mailbox.Address} is blocklisted{Why(address)}", context.Evidence(header, mailbox.Address, mailbox.Domain, null));
        }

        if (_blocklist.MatchDomain(mailbox.Domain, context.Now) is { } domain)
        {
            context.Verdict.Fail(RuleIds.BlockedDomain, $"{header} domain {mailbox.Domain} is blocklisted ({domain.Value}{Why(domain)})", context.Evidence(header, mailbox.Address, mailbox.Domain, null));
        }
    }

    private void CheckHeaders(Submission submission, Context context, ReversePath? envelope)
    {
        var verdict = context.Verdict;
        var message = submission.Message;
        var block = HeaderBlock.Read(message.Span, _options.HeaderLimits);
        if (block.Defect != HeaderDefect.None)
        {
            verdict.Fail(RuleIds.HeaderMalformed, $"header line {block.DefectLine}: {Describe(block.Defect)}", context.Evidence("(header)", null, null, null));
            return;
        }

        // Read every identity field: F, S and the topmost resent block's R.
        var from = ReadField(IdentityHeader.From, block, message, context);
        var sender = ReadField(IdentityHeader.Sender, block, message, context);
        var resentFrom = ReadField(IdentityHeader.ResentFrom, block, message, context);
        var resentSender = ReadField(IdentityHeader.ResentSender, block, message, context);

        if (block.Count(IdentityHeader.From) == 0)
        {
            verdict.Fail(RuleIds.FromMissing, "no From header", context.Evidence("From", null, null, null));
        }

        if (from is null)
        {
            return; // missing, duplicate or ambiguous: nothing about the author can be trusted.
        }

        if (from.Mailboxes.Count > 1 && block.Count(IdentityHeader.Sender) == 0)
        {
            verdict.Fail(RuleIds.FromSeveralWithoutSender, $"From holds {from.Mailboxes.Count} mailboxes and there is no Sender (RFC 5322 3.6.2)", context.Evidence("From", null, null, null));
        }

        // S and R: every mailbox must be the submitter's own. Their reasons follow F's, so that the
        // reply names the author first.
        var others = new VerdictBuilder(_options);
        var otherContext = context with { Verdict = others };
        bool attributed = false;
        bool othersOwned = true;
        foreach (var field in (ReadOnlySpan<AddressField?>)[sender, resentFrom, resentSender])
        {
            if (field is null)
            {
                continue;
            }

            bool allOwned = true;
            foreach (var mailbox in field.Mailboxes)
            {
                if (CheckIdentity(field.Header, mailbox, otherContext) != Ownership.Own)
                {
                    allOwned = false;
                }
            }

            attributed |= allOwned;
            othersOwned &= allOwned;
        }

        // Unreadable S or R fields were already refused; they also spoil the attribution.
        othersOwned &= IsClearOrAbsent(IdentityHeader.Sender, block, sender)
            && IsClearOrAbsent(IdentityHeader.ResentFrom, block, resentFrom)
            && IsClearOrAbsent(IdentityHeader.ResentSender, block, resentSender);

        // F: own is fine, another tenant's never, external only as attributed forwarding.
        foreach (var mailbox in from.Mailboxes)
        {
            if (CheckIdentity(IdentityHeader.From, mailbox, context) != Ownership.External)
            {
                continue;
            }

            string? missing = ForwardingGap(context.Tenant, envelope, EnvelopeOwner(envelope), attributed, othersOwned);
            var evidence = context.Evidence("From", mailbox.Mailbox!.Address, mailbox.Mailbox.Domain, null);
            if (missing is null)
            {
                verdict.Info(RuleIds.FromForwarded, $"external From {mailbox.Mailbox.Address} relayed as attributed forwarding", evidence);
            }
            else
            {
                verdict.Fail(RuleIds.FromExternal, $"From {mailbox.Mailbox.Address} is external and {missing}", evidence);
            }
        }

        verdict.Append(others);
    }

    private static bool IsClearOrAbsent(IdentityHeader header, HeaderBlock block, AddressField? field) =>
        block.Count(header) == 0 || field is not null;

    /// <summary>Why an external From is not attributed forwarding, or null when it is (DESIGN, rule for owner(f) = none).</summary>
    private static string? ForwardingGap(Tenant tenant, ReversePath? envelope, Tenant? envelopeOwner, bool attributed, bool othersOwned)
    {
        if (envelope is null)
        {
            return "the envelope sender is unreadable";
        }

        if (envelope.Value.IsNull)
        {
            return "the envelope sender is null (bounces and auto-replies get no forwarding allowance)";
        }

        if (envelopeOwner != tenant)
        {
            return "the envelope sender is not the submitter's";
        }

        if (!attributed)
        {
            return "no Sender or Resent-From/Resent-Sender of the submitter attributes the forwarding";
        }

        if (!othersOwned)
        {
            return "another identity of the message is not the submitter's";
        }

        if (!tenant.AllowsExternalFrom)
        {
            return tenant.Kind == TenantKind.Trial ? "trial accounts may not relay an external From" : "the tenant's policy does not allow an external From";
        }

        return null;
    }

    private Tenant? EnvelopeOwner(ReversePath? envelope) =>
        envelope?.Mailbox is { } mailbox ? _directory.FindOwner(mailbox.Domain)?.Tenant : null;

    private enum Ownership
    {
        Own,
        External,
        Refused,
    }

    /// <summary>Judges one header mailbox: invalid domain, owner, look-alike domain, display name, blocklist.</summary>
    private Ownership CheckIdentity(IdentityHeader header, ParsedMailbox parsed, Context context)
    {
        var verdict = context.Verdict;
        string name = header.FieldName();
        var result = Ownership.Own;
        if (parsed.Mailbox is not { } mailbox)
        {
            string written = $"{parsed.LocalPart}@{parsed.RawDomain}";
            verdict.Fail(RuleIds.InvalidDomain(header), $"{name} {Printable(written)}: {DomainName.Describe(parsed.DomainError)}",
                context.Evidence(name, Printable(written), Printable(parsed.RawDomain), null));
            return Ownership.Refused;
        }

        var owner = _directory.FindOwner(mailbox.Domain)?.Tenant;
        var evidence = context.Evidence(name, mailbox.Address, mailbox.Domain, owner);
        if (owner is null)
        {
            if (header != IdentityHeader.From)
            {
                verdict.Fail(RuleIds.NotOwned(header), $"{name} {mailbox.Address}: domain {mailbox.Domain} belongs to no tenant", evidence);
                result = Ownership.Refused;
            }
            else
            {
                result = Ownership.External;
            }
        }
        else if (owner != context.Tenant)
        {
            verdict.Fail(RuleIds.OtherTenant(header), $"{name} {mailbox.Address}: domain {mailbox.Domain} belongs to tenant '{owner.Id}'", evidence);
            result = Ownership.Refused;
        }

        if (Confusables.Skeleton(mailbox.Domain) is { } skeleton &&
            _directory.FindOwner(skeleton)?.Tenant is { } imitated && imitated != owner)
        {
            verdict.Fail(RuleIds.Confusable(header), $"{name} domain {mailbox.Domain} ({DomainName.ToUnicode(mailbox.Domain)}) imitates {skeleton} of tenant '{imitated.Id}'",
                context.Evidence(name, mailbox.Address, mailbox.Domain, imitated));
            result = Ownership.Refused;
        }

        if (DisplayNameImitation(parsed.DisplayName, context.Tenant) is { } spoofed)
        {
            verdict.Fail(RuleIds.DisplayName(header), $"{name} display name names {spoofed.Domain} of tenant '{spoofed.Owner.Id}'",
                context.Evidence(name, mailbox.Address, spoofed.Domain, spoofed.Owner));
            result = Ownership.Refused;
        }

        CheckBlockedIdentity(mailbox, name, context);
        return result;
    }

    /// <summary>A domain of another tenant named in a display name (<c>"ceo@other.example" &lt;x@mine.example&gt;</c>), or null.</summary>
    private (string Domain, Tenant Owner)? DisplayNameImitation(string displayName, Tenant tenant)
    {
        // People read full-width "ｇｌｏｂｅｘ．ｅｘａｍｐｌｅ" and "globex｡example" as globex.example: fold them first.
        string folded = FoldWidth(displayName);
        if (folded.Length == 0 || folded.AsSpan().IndexOfAny('.', '\u3002') < 0)
        {
            return null;
        }

        var text = folded.AsSpan();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !IsDomainChar(text[i]))
            {
                i++;
            }

            int start = i;
            while (i < text.Length && IsDomainChar(text[i]))
            {
                i++;
            }

            var token = text[start..i].Trim(".-\u3002\uFF0E\uFF61");
            if (token.IndexOfAny('.', '\u3002', '\uFF0E') < 0 && token.IndexOf('\uFF61') < 0)
            {
                continue;
            }

            if (DomainName.TryNormalize(token, out var domain, out _))
            {
                var owner = _directory.FindOwner(domain)?.Tenant;
                owner ??= Confusables.Skeleton(domain) is { } skeleton ? _directory.FindOwner(skeleton)?.Tenant : null;
                if (owner is not null && owner != tenant)
                {
                    return (domain, owner);
                }
            }
        }

        return null;
    }

    /// <summary>Full-width ASCII (U+FF01–U+FF5E) to ASCII, and the full-width and half-width ideographic stops to '.'.</summary>
    private static string FoldWidth(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\uFF01', '\uFF61'))
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                span[i] = c switch
                {
                    '\uFF61' => '.',
                    >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
                    _ => c,
                };
            }
        });
    }

    private static bool IsDomainChar(char c) => char.IsLetterOrDigit(c) || c is '-' or '.' or '\u3002' or '\uFF0E' or '\uFF61';

    /// <summary>Reads an identity field once present; refuses duplicates and ambiguity. Null when absent or refused.</summary>
    private static AddressField? ReadField(IdentityHeader header, HeaderBlock block, ReadOnlyMemory<byte> message, Context context)
    {
        int count = block.Count(header);
        if (count == 0)
        {
            return null;
        }

        string name = header.FieldName();
        if (count > 1)
        {
            context.Verdict.Fail(RuleIds.Duplicate(header), $"{count} {name} fields", context.Evidence(name, null, null, null));
            return null;
        }

        var raw = block.First(header)!.Value;
        byte[] buffer;
        int offset;
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(message, out var segment) && segment.Array is not null)
        {
            buffer = segment.Array;
            offset = segment.Offset + raw.ValueStart;
        }
        else
        {
            buffer = message.Slice(raw.ValueStart, raw.ValueLength).ToArray();
            offset = 0;
        }

        var field = AddressFieldReader.Read(header, buffer, offset, raw.ValueLength);
        if (!field.IsClear)
        {
            context.Verdict.Fail(RuleIds.Ambiguous(header), $"{name} (line {raw.Line}): {field.Detail}", context.Evidence(name, null, null, null));
            return null;
        }

        return field;
    }

    private static string Describe(HeaderDefect defect) => defect switch
    {
        HeaderDefect.BareCarriageReturn => "bare CR",
        HeaderDefect.BareLineFeed => "bare LF",
        HeaderDefect.Nul => "NUL octet",
        HeaderDefect.LineWithoutColon => "a line with no colon",
        HeaderDefect.ContinuationWithoutField => "a continuation line before any field",
        HeaderDefect.InvalidFieldName => "an invalid field name",
        HeaderDefect.SpaceBeforeColon => "white space before the colon of an identity field",
        HeaderDefect.LineTooLong => "an identity field line longer than 998 octets",
        HeaderDefect.TooLarge => "the header block is too large",
        HeaderDefect.TooManyFields => "too many header fields",
        _ => "defect",
    };

    /// <summary>Escapes control characters and truncates, for logs and evidence.</summary>
    internal static string Printable(string text)
    {
        const int Max = 200;
        if (text.Length <= Max && text.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') < 0 && !text.Contains('\u007f', StringComparison.Ordinal))
        {
            return text; // the usual case: nothing to escape or cut, nothing to allocate.
        }

        var builder = new System.Text.StringBuilder(Math.Min(text.Length, Max) + 8);
        foreach (char c in text)
        {
            if (builder.Length >= Max)
            {
                builder.Append('…');
                break;
            }

            if (c < 0x20 || c == 0x7F)
            {
                builder.Append($"\\x{(int)c:x2}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
