using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Text;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Mail.Addresses;
using RelayWarden.Mail.Headers;
using RelayWarden.Smtp.Spool;

namespace RelayWarden.Smtp.Server;

/// <summary>
/// One SMTP session (RFC 5321) from greeting to close: its own fault domain. It translates commands
/// into <see cref="Submission"/>s for the engine and verdicts back into replies; it decides nothing.
/// </summary>
internal sealed partial class SmtpSession
{
    private readonly SmtpServerContext _server;
    private readonly Stream _network;
    private readonly IPEndPoint _remote;
    private readonly bool _loopbackListener;
    private readonly CancellationToken _stopping;
    private readonly CancellationToken _abort;
    private readonly ArrayBufferWriter<byte> _out = new(512);
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private ArrayBufferWriter<byte> _message = new(8192);
    private Stream _stream;
    private SmtpLineReader _reader;
    private CancellationTokenSource _commandCts;
    private CancellationTokenSource _dataCts;

    private string? _helo;
    private bool _esmtp;
    private bool _tls;
    private string? _authLogin;
    private string? _mailFrom;
    private ReversePath _reversePath;
    private readonly List<string> _rcptArguments = [];
    private readonly List<string> _recipients = [];
    private int _errors;
    private int _authFailures;
    private int _accepted;
    private int _refused;
    private int _rcptRefused;
    private int _rcptOvershoot;
    private bool _endSession; // a command ended the session after its reply (an over-long AUTH response)
    private string _closeReason = "quit";

    public SmtpSession(SmtpServerContext server, Stream network, IPEndPoint remote, bool loopbackListener, CancellationToken stopping, CancellationToken abort)
    {
        _server = server;
        _network = network;
        _stream = network;
        _remote = remote;
        _loopbackListener = loopbackListener;
        _stopping = stopping;
        _abort = abort;
        _reader = new SmtpLineReader(PipeReader.Create(network, new StreamPipeReaderOptions(bufferSize: 8192, leaveOpen: true)));
        _commandCts = CancellationTokenSource.CreateLinkedTokenSource(stopping, abort);
        _dataCts = CancellationTokenSource.CreateLinkedTokenSource(abort);
        Id = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()))[..10];
    }

    public string Id { get; }

    private IPAddress ClientIp => _remote.Address.IsIPv4MappedToIPv6 ? _remote.Address.MapToIPv4() : _remote.Address;

    private SmtpLimits Limits => _server.Limits;

    private bool AuthAllowed => _tls || (_server.AuthWithoutTls && _loopbackListener);

    /// <summary>Runs the session to its end. Never throws.</summary>
    public async Task RunAsync()
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            Reply(new SmtpReply(SmtpStatusCode.ServiceReady, string.Empty, $"{_server.Hostname} ESMTP RelayWarden"));
            await CommandLoopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested || _stopping.IsCancellationRequested)
        {
            _closeReason = "shutdown";
            await TryFinalReplyAsync(SmtpReplies.ShuttingDown).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _closeReason = "timeout";
            await TryFinalReplyAsync(SmtpReplies.Timeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or AuthenticationFailureException)
        {
            _closeReason = $"io: {exception.GetType().Name}";
        }
#pragma warning disable CA1031 // The session's fault domain: a bug ends this session only.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _closeReason = "error";
            _server.Log.Write("smtp.error", ("session", Id), ("client", ClientIp), ("error", $"{exception.GetType().Name}: {exception.Message}"),
                ("at", exception.StackTrace?.Split('\n').FirstOrDefault()?.Trim()));
            await TryFinalReplyAsync(SmtpReplies.LocalError).ConfigureAwait(false);
        }
        finally
        {
            _server.Log.Write("smtp.session", ("session", Id), ("client", ClientIp), ("helo", _helo), ("tls", _tls ? "yes" : "no"),
                ("auth", _authLogin), ("accepted", _accepted), ("refused", _refused), ("errors", _errors),
                ("ms", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds), ("close", _closeReason));
            await CloseAsync().ConfigureAwait(false);
        }
    }

    private sealed class AuthenticationFailureException(string message) : Exception(message);

    private async Task CloseAsync()
    {
        try
        {
            await _reader.Reader.CompleteAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            await _network.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Closing a broken connection may fail; nothing to do about it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        _commandCts.Dispose();
        _dataCts.Dispose();
    }

    private async Task TryFinalReplyAsync(SmtpReply reply)
    {
        try
        {
            _out.ResetWrittenCount();
            Reply(reply);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _stream.WriteAsync(_out.WrittenMemory, timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: the peer may be gone.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void Reply(SmtpReply reply, bool error = true)
    {
        WriteAscii(SmtpReplies.Format(reply));
        if (error && (int)reply.Code >= 400)
        {
            _errors++;
        }
    }

    private void WriteAscii(string line)
    {
        int max = Encoding.UTF8.GetMaxByteCount(line.Length) + 2;
        var span = _out.GetSpan(max);
        int n = Encoding.UTF8.GetBytes(line, span);
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        _out.Advance(n + 2);
    }

    private async ValueTask FlushAsync()
    {
        if (_out.WrittenCount == 0)
        {
            return;
        }

        _commandCts.CancelAfter(Limits.CommandTimeout);
        await _stream.WriteAsync(_out.WrittenMemory, _commandCts.Token).ConfigureAwait(false);
        await _stream.FlushAsync(_commandCts.Token).ConfigureAwait(false);
        _out.ResetWrittenCount();
    }

    private async Task CommandLoopAsync()
    {
        while (true)
        {
            if (_errors >= Limits.MaxErrors)
            {
                _closeReason = "too many errors";
                WriteAscii(SmtpReplies.Format(SmtpReplies.TooManyErrors));
                await FlushAsync().ConfigureAwait(false);
                return;
            }

            _line.ResetWrittenCount();
            _commandCts.CancelAfter(Limits.CommandTimeout);
            var status = await _reader.ReadLineAsync(_line, Limits.MaxCommandLineBytes, discardOverlong: false, FlushAsync, _commandCts.Token).ConfigureAwait(false);
            switch (status)
            {
                case LineStatus.Closed:
                    _closeReason = "client closed";
                    return;
                case LineStatus.TooLong:
                    _closeReason = "line too long";
                    WriteAscii(SmtpReplies.Format(SmtpReplies.LineTooLong));
                    await FlushAsync().ConfigureAwait(false);
                    return;
                case LineStatus.BareLineEnd:
                    Reply(SmtpReplies.BareNewline);
                    continue;
            }

            string line = DecodeLine(_line.WrittenSpan);
            if (!await HandleCommandAsync(line).ConfigureAwait(false))
            {
                await FlushAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    private static string DecodeLine(ReadOnlySpan<byte> bytes)
    {
        // UTF-8 for SMTPUTF8; invalid sequences become U+FFFD, which no parser accepts in a path.
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Handles one command; false ends the session.</summary>
    private async Task<bool> HandleCommandAsync(string line)
    {
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        string verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        string argument = space < 0 ? string.Empty : line[(space + 1)..];
        switch (verb)
        {
            case "EHLO":
            case "HELO":
                Hello(verb == "EHLO", argument.Trim());
                return true;
            case "MAIL":
                Mail(argument);
                return true;
            case "RCPT":
                Rcpt(argument);
                return true;
            case "DATA":
                if (argument.Length > 0)
                {
                    Reply(SmtpReplies.NoParameters);
                    return true;
                }

                await DataAsync().ConfigureAwait(false);
                return true;
            case "RSET":
                ResetTransaction();
                Reply(SmtpReplies.Ok);
                return true;
            case "NOOP":
                Reply(SmtpReplies.Ok);
                return true;
            case "QUIT":
                Reply(SmtpReplies.Bye);
                _closeReason = "quit";
                return false;
            case "HELP":
                Reply(SmtpReplies.Help);
                return true;
            case "VRFY":
                Reply(SmtpReplies.VrfyRefused);
                return true;
            case "EXPN":
                Reply(SmtpReplies.ExpnRefused);
                return true;
            case "STARTTLS":
                return await StartTlsAsync(argument).ConfigureAwait(false);
            case "AUTH":
                return await AuthAsync(argument).ConfigureAwait(false) && !_endSession;
            default:
                Reply(SmtpReplies.Unrecognized);
                return true;
        }
    }

    private void Hello(bool extended, string domain)
    {
        if (domain.Length == 0 || domain.Contains(' ', StringComparison.Ordinal))
        {
            Reply(SmtpReplies.HeloSyntax);
            return;
        }

        ResetTransaction();
        _helo = domain;
        _esmtp = extended;
        if (!extended)
        {
            WriteAscii($"250 {_server.Hostname}");
            return;
        }

        WriteAscii($"250-{_server.Hostname} Hello [{ClientIp}]");
        WriteAscii(string.Create(CultureInfo.InvariantCulture, $"250-SIZE {Limits.MaxMessageBytes}"));
        WriteAscii("250-PIPELINING");
        WriteAscii("250-8BITMIME");
        WriteAscii("250-SMTPUTF8");
        if (_server.Certificate is not null && !_tls)
        {
            WriteAscii("250-STARTTLS");
        }

        if (AuthAllowed && _authLogin is null)
        {
            WriteAscii("250-AUTH PLAIN LOGIN");
        }

        WriteAscii("250 ENHANCEDSTATUSCODES");
    }

    private void ResetTransaction()
    {
        _mailFrom = null;
        _reversePath = default;
        _rcptArguments.Clear();
        _recipients.Clear();
        _rcptRefused = 0;
        _rcptOvershoot = 0;
    }

    private static bool TryArgument(string argument, string keyword, out string value)
    {
        value = string.Empty;
        if (!argument.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        value = argument[keyword.Length..].TrimStart(' ');
        return true;
    }

    private Submission NewSubmission(ReadOnlyMemory<byte> message = default) => new()
    {
        ClientIp = ClientIp,
        AuthLogin = _authLogin,
        MailFrom = _mailFrom ?? "<>",
        LenientMailFrom = false,
        Recipients = [.. _rcptArguments],
        Message = message,
    };

    private void Mail(string argument)
    {
        if (_helo is null)
        {
            Reply(SmtpReplies.NeedHelo);
            return;
        }

        if (_mailFrom is not null)
        {
            Reply(SmtpReplies.NestedMail);
            return;
        }

        if (!TryArgument(argument, "FROM:", out string path))
        {
            Reply(SmtpReplies.MailSyntax);
            return;
        }

        var submission = new Submission { ClientIp = ClientIp, AuthLogin = _authLogin, MailFrom = path };
        var verdict = _server.Engine().Evaluate(submission, SubmissionStage.Mail);
        if (verdict.Action is VerdictAction.Reject or VerdictAction.Defer)
        {
            Refuse("smtp.mail", verdict, path, [], verdict.Reply);
            return;
        }

        if (!SmtpPath.TryParseReversePath(path, false, out var reversePath, out _, out _))
        {
            Reply(SmtpReplies.SenderSyntax); // the engine judged no path (unknown client, refused at RCPT); the syntax is still wrong.
            return;
        }

        if (CheckMailParameters(reversePath.Parameters) is { } problem)
        {
            Reply(problem);
            return;
        }

        _mailFrom = path;
        _reversePath = reversePath;
        Reply(SmtpReplies.ForEnvelope(verdict, SmtpReplies.SenderOk));
    }

    private SmtpReply? CheckMailParameters(string parameters)
    {
        foreach (string parameter in parameters.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = parameter.IndexOf('=', StringComparison.Ordinal);
            string key = (eq < 0 ? parameter : parameter[..eq]).ToUpperInvariant();
            string value = eq < 0 ? string.Empty : parameter[(eq + 1)..];
            switch (key)
            {
                case "SIZE":
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                    {
                        return SmtpReplies.MailSyntax;
                    }

                    if (size > Limits.MaxMessageBytes)
                    {
                        return SmtpReplies.SizeExceeded;
                    }

                    break;
                case "BODY" when value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) || value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase):
                case "SMTPUTF8" when value.Length == 0:
                    break;
                case "AUTH":
                    break; // RFC 4954 5: accepted and ignored.
                default:
                    return SmtpReplies.UnknownParameter;
            }
        }

        return null;
    }

    private void Rcpt(string argument)
    {
        if (_mailFrom is null)
        {
            Reply(_helo is null ? SmtpReplies.NeedHelo : SmtpReplies.NeedMail);
            return;
        }

        if (!TryArgument(argument, "TO:", out string path))
        {
            Reply(SmtpReplies.RcptSyntax);
            return;
        }

        var verdict = _server.Engine().EvaluateRecipient(NewSubmission(), path);
        if (verdict.Action is VerdictAction.Reject or VerdictAction.Defer)
        {
            _rcptRefused++;
            // "Too many recipients" (X.5.3) asks the client to send the rest in a later transaction
            // (RFC 5321 4.5.3.1.10): not the client's error, or a client that pipelines a long list would
            // lose its session (421) before DATA. Up to as many again as the limit a transaction, as
            // Postfix's smtpd_recipient_overshoot_limit; beyond, they count as errors again.
            bool overshoot = verdict.Reply.EnhancedCode.EndsWith(".5.3", StringComparison.Ordinal) && ++_rcptOvershoot <= Limits.MaxRecipients;
            Refuse("smtp.rcpt", verdict, _mailFrom, [path], verdict.Reply, error: !overshoot);
            return;
        }

        if (!SmtpPath.TryParseForwardPath(path, false, out var mailbox, out string parameters, out _, out _))
        {
            Reply(SmtpReplies.RcptSyntax); // the engine said yes to a path it could read; this is a safety net.
            return;
        }

        if (parameters.Trim().Length > 0)
        {
            Reply(SmtpReplies.UnknownParameter);
            return;
        }

        _rcptArguments.Add(path);
        _recipients.Add(mailbox.Address);
        Reply(SmtpReplies.ForEnvelope(verdict, SmtpReplies.RecipientOk));
    }

    private void Refuse(string stage, Verdict verdict, string? mailFrom, IReadOnlyList<string> recipients, SmtpReply reply, ReadOnlySpan<byte> message = default, bool error = true)
    {
        _refused++;
        Reply(reply, error);
        Record(stage, verdict, mailFrom, recipients, reply, message, null);
    }

    private void Record(string stage, Verdict verdict, string? mailFrom, IReadOnlyList<string> recipients, SmtpReply reply, ReadOnlySpan<byte> message, string? queueId)
    {
        RelayMeters.Decision("smtp", stage, verdict.Action, verdict.Reasons);
        if (_dataEnded != 0)
        {
            RelayMeters.SmtpDataSeconds.Record(System.Diagnostics.Stopwatch.GetElapsedTime(_dataEnded).TotalSeconds);
            _dataEnded = 0;
        }

        if (_server.Log.IsEnabled)
        {
            LogDecision(stage, verdict, mailFrom, recipients, reply, message.IsEmpty ? null : message.Length, queueId);
        }

        if (_server.Records is not { } records)
        {
            return;
        }

        string? from = null, sender = null, messageId = null;
        if (!message.IsEmpty)
        {
            var block = HeaderBlock.Read(message, HeaderLimits.Default);
            from = FieldValue(message, block.First(IdentityHeader.From));
            sender = FieldValue(message, block.First(IdentityHeader.Sender));
            messageId = FieldValue(message, block.MessageId);
        }

        var domains = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string recipient in recipients)
        {
            int at = recipient.LastIndexOf('@');
            if (at >= 0)
            {
                domains.Add(recipient[(at + 1)..].TrimEnd('>', ' ').ToLowerInvariant());
            }
        }

        var record = new DecisionRecord
        {
            Id = Guid.CreateVersion7().ToString("N"),
            Time = _server.Time.GetUtcNow(),
            Node = _server.Hostname,
            Stage = stage,
            Tenant = verdict.Tenant,
            Account = _authLogin ?? (verdict.Tenant is null ? null : $"{verdict.Tenant}/{ClientIp}"),
            ClientIp = ClientIp.ToString(),
            Helo = _helo,
            Tls = _tls,
            AuthLogin = _authLogin,
            MailFrom = mailFrom,
            From = from,
            Sender = sender,
            Recipients = recipients,
            RecipientDomains = [.. domains],
            MessageId = messageId,
            Size = message.Length,
            QueueId = queueId,
            Action = verdict.Action,
            Reply = reply.ToString(),
            Reasons = verdict.Reasons,
        };
        _ = records.AddAsync(record, CancellationToken.None).AsTask();
    }

    private void LogDecision(string stage, Verdict verdict, string? mailFrom, IReadOnlyList<string> recipients, SmtpReply reply, int? size, string? queueId)
    {
        string reasons = string.Join("; ", verdict.Reasons.Select(r => r.ToString()));
        _server.Log.Write("smtp.decision", ("session", Id), ("stage", stage), ("action", RelayMeters.Name(verdict.Action)),
            ("reply", reply.ToString()), ("tenant", verdict.Tenant), ("client", ClientIp), ("auth", _authLogin), ("mail_from", mailFrom),
            ("rcpts", recipients.Count), ("queue_id", queueId), ("size", size),
            ("rules", string.Join(',', verdict.Reasons.Select(r => r.Rule))), ("reasons", reasons.Length == 0 ? null : reasons));
    }

    private static string? FieldValue(ReadOnlySpan<byte> message, RawField? field)
    {
        if (field is not { } raw)
        {
            return null;
        }

        var value = message.Slice(raw.ValueStart, Math.Min(raw.ValueLength, 998));
        string text = Encoding.UTF8.GetString(value).Replace("\r\n", string.Empty, StringComparison.Ordinal).Replace('\t', ' ').Trim();
        return text.Length > 512 ? text[..512] : text;
    }
}
