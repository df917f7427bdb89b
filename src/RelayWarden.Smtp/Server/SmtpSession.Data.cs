using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Smtp.Spool;

namespace RelayWarden.Smtp.Server;

internal sealed partial class SmtpSession
{
    /// <summary>Why a message read by DATA is refused before the engine sees it.</summary>
    private enum DataRejection
    {
        None,
        BareNewline,
        LineTooLong,
        TooBig,
        /// <summary>The listener's budget of message data in memory was spent (<see cref="SmtpLimits.MaxDataMemoryBytes"/>).</summary>
        MemorySpent,
    }

    /// <summary>Octets of <see cref="SmtpServerContext.DataMemory"/> this session holds for the message being read.</summary>
    private long _dataHeld;

    /// <summary>When the final dot of the current message was read (Stopwatch ticks), until its decision is recorded; 0 otherwise.</summary>
    private long _dataEnded;

    private async Task DataAsync()
    {
        if (_mailFrom is null)
        {
            Reply(_helo is null ? SmtpReplies.NeedHelo : SmtpReplies.NeedMail);
            return;
        }

        if (_recipients.Count == 0)
        {
            Reply(SmtpReplies.NeedRcpt);
            return;
        }

        Reply(SmtpReplies.StartData);
        if (_message.Capacity > 1 << 20)
        {
            _message = new ArrayBufferWriter<byte>(8192); // do not keep a huge buffer for a small next message.
        }

        _message.ResetWrittenCount();
        try
        {
            await ReceiveMessageAsync(_mailFrom).ConfigureAwait(false);
        }
        finally
        {
            _server.DataMemory.Return(_dataHeld); // the message is decided (or the session is gone): its share goes back
            _dataHeld = 0;
        }
    }

    private async Task ReceiveMessageAsync(string mailFrom)
    {
        var rejection = await ReadMessageAsync().ConfigureAwait(false);
        _dataEnded = System.Diagnostics.Stopwatch.GetTimestamp();
        var recipients = _recipients.ToArray();
        var rcptArguments = _rcptArguments.ToArray();
        int rcptRefused = _rcptRefused;
        ResetTransaction();
        if (rejection != DataRejection.None)
        {
            var reply = rejection switch
            {
                DataRejection.BareNewline => SmtpReplies.DataBareNewline,
                DataRejection.LineTooLong => SmtpReplies.DataLineTooLong,
                DataRejection.MemorySpent => SmtpReplies.DataMemorySpent,
                _ => SmtpReplies.SizeExceeded,
            };
            var protocol = new Verdict((int)reply.Code < 500 ? VerdictAction.Defer : VerdictAction.Reject, reply, null, []);
            Refuse("smtp.data", protocol, mailFrom, rcptArguments, reply);
            return;
        }

        var message = _message.WrittenMemory;
        var submission = new Submission
        {
            ClientIp = ClientIp, AuthLogin = _authLogin, MailFrom = mailFrom, Recipients = rcptArguments, Message = message,
        };
        var engine = _server.Engine();
        var verdict = engine.Evaluate(submission, SubmissionStage.Data);
        verdict = MonitorVerdicts.Apply(_server.Monitor, verdict,
            tenant => Observations.From(submission, tenant, engine.Directory, rcptRefused, _server.Time.GetUtcNow()));

        if (verdict.Action is VerdictAction.Reject or VerdictAction.Defer)
        {
            Refuse("smtp.data", verdict, mailFrom, rcptArguments, verdict.Reply, message.Span);
            return;
        }

        string id = _server.Spool.NewId();
        var envelope = new SpoolEnvelope
        {
            Id = id,
            MailFrom = ReversePathAddress(mailFrom),
            Recipients = recipients,
            Received = _server.Time.GetUtcNow(),
            Tenant = verdict.Tenant,
            ClientIp = ClientIp.ToString(),
            Account = _authLogin ?? (verdict.Tenant is { } owner ? AccountKey.ForIp(owner, ClientIp.ToString()) : null),
        };
        byte[] received = ReceivedHeader(id, recipients, MonitorHeaderField(engine, verdict));
        try
        {
            _dataCts.CancelAfter(Limits.DataTimeout);
            long storing = System.Diagnostics.Stopwatch.GetTimestamp();
            await _server.Spool.StoreAsync(envelope, received, message, hold: verdict.Action == VerdictAction.Hold).WaitAsync(_dataCts.Token).ConfigureAwait(false);
            RelayMeters.SpoolStoreSeconds.Record(System.Diagnostics.Stopwatch.GetElapsedTime(storing).TotalSeconds);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            _server.Log.Write("spool.error", ("session", Id), ("queue_id", id), ("error", $"{exception.GetType().Name}: {exception.Message}"));
            Refuse("smtp.data", verdict with { Action = VerdictAction.Defer }, mailFrom, rcptArguments, SmtpReplies.SpoolFailed, message.Span);
            return;
        }

        _accepted++;
        var accepted = SmtpReplies.ForData(verdict, id);
        Reply(accepted);
        Record("smtp.data", verdict, mailFrom, rcptArguments, accepted, message.Span, id);
    }

    private static string ReversePathAddress(string mailFrom)
    {
        return RelayWarden.Mail.Addresses.SmtpPath.TryParseReversePath(mailFrom, false, out var path, out _, out _) && path.Mailbox is { } mailbox
            ? mailbox.Address
            : string.Empty;
    }

    /// <summary>
    /// Reads DATA up to the terminator CRLF.CRLF, undoing dot-stuffing. A line ended by a bare LF or
    /// holding a bare CR is never a terminator, and the line after it is not either (the
    /// terminator must follow a CRLF): <c>&lt;LF&gt;.&lt;LF&gt;</c>, <c>&lt;CR&gt;.&lt;CR&gt;</c>,
    /// <c>&lt;LF&gt;.&lt;CR&gt;&lt;LF&gt;</c> cannot end or split a message. Limits hold while reading:
    /// beyond them the rest is read and dropped, and the message is refused.
    /// </summary>
    private async Task<DataRejection> ReadMessageAsync()
    {
        var rejection = DataRejection.None;
        bool afterCrLf = true;
        long size = 0;
        var line = new ArrayBufferWriter<byte>(1024);
        while (true)
        {
            line.ResetWrittenCount();
            _dataCts.CancelAfter(Limits.DataTimeout);
            var status = await _reader.ReadLineAsync(line, Limits.MaxDataLineBytes, discardOverlong: true, FlushAsync, _dataCts.Token).ConfigureAwait(false);
            if (status == LineStatus.Closed)
            {
                throw new IOException("connection closed during DATA");
            }

            var bytes = line.WrittenSpan;
            if (status == LineStatus.Line && afterCrLf && bytes.Length == 1 && bytes[0] == (byte)'.')
            {
                return rejection;
            }

            switch (status)
            {
                case LineStatus.BareLineEnd:
                    rejection = rejection == DataRejection.None ? DataRejection.BareNewline : rejection;
                    break;
                case LineStatus.TooLong:
                    rejection = rejection == DataRejection.None ? DataRejection.LineTooLong : rejection;
                    break;
            }

            afterCrLf = _reader.EndedWithCrLf;
            if (rejection != DataRejection.None)
            {
                continue; // keep reading to the real terminator, store nothing more.
            }

            if (bytes.Length > 0 && bytes[0] == (byte)'.')
            {
                bytes = bytes[1..];
            }

            size += bytes.Length + 2;
            if (size > Limits.MaxMessageBytes)
            {
                rejection = DataRejection.TooBig;
                continue;
            }

            if (size > _dataHeld)
            {
                long step = Math.Max(DataMemoryBudget.Step, size - _dataHeld);
                if (!_server.DataMemory.TryTake(step))
                {
                    rejection = DataRejection.MemorySpent;
                    _server.Log.Write("smtp.data-memory", ("session", Id), ("held", _dataHeld), ("in_use", _server.DataMemory.InUse),
                        ("limit", Limits.MaxDataMemoryBytes), ("detail", "the listener's message memory is spent; this message is refused 452 4.3.1"));
                    continue;
                }

                _dataHeld += step;
            }

            _message.Write(bytes);
            _message.Write("\r\n"u8);
        }
    }

    // policy.monitor_header: relayed although a rule in monitor mode failed (as the milter and the policy service mark it).
    private static string? MonitorHeaderField(SenderAuthorization engine, Verdict verdict) =>
        MonitorHeader.Field(engine.Options, verdict) is { } field ? $"{field.Name}: {field.Value}\r\n" : null;

    private byte[] ReceivedHeader(string id, string[] recipients, string? monitorHeader)
    {
        string with = (_esmtp ? "ESMTP" : "SMTP") + (_tls ? "S" : string.Empty) + (_authLogin is null ? string.Empty : "A");
        string date = _server.Time.GetUtcNow().ToString("ddd, d MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        string helo = SafeHelo(_helo ?? "unknown");
        string forClause = recipients.Length == 1 ? $"\r\n\tfor <{recipients[0]}>" : string.Empty;
        return Encoding.UTF8.GetBytes($"Received: from {helo} ([{ClientIp}])\r\n\tby {_server.Hostname} (RelayWarden) with {with} id {id}{forClause};\r\n\t{date}\r\n{monitorHeader}");
    }

    private static string SafeHelo(string helo)
    {
        var builder = new StringBuilder(Math.Min(helo.Length, 64));
        foreach (char c in helo)
        {
            if (builder.Length == 64)
            {
                break;
            }

            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '[' or ']' or ':' or '_' ? c : '?');
        }

        return builder.ToString();
    }

    private async Task<bool> StartTlsAsync(string argument)
    {
        if (argument.Length > 0)
        {
            Reply(SmtpReplies.NoParameters);
            return true;
        }

        if (_server.Certificate is null)
        {
            Reply(SmtpReplies.TlsUnavailable);
            return true;
        }

        if (_tls)
        {
            Reply(SmtpReplies.TlsAlready);
            return true;
        }

        Reply(SmtpReplies.ReadyForTls);
        await FlushAsync().ConfigureAwait(false);

        // Anything the client pipelined after STARTTLS is discarded (RFC 3207 4.2; CVE-2011-0411 command injection).
        await _reader.Reader.CompleteAsync().ConfigureAwait(false);
        var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
        _stream = ssl;
        _commandCts.CancelAfter(Limits.CommandTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _server.Certificate,
                ClientCertificateRequired = false,
            }, _commandCts.Token).ConfigureAwait(false);
        }
        catch (AuthenticationException exception)
        {
            throw new AuthenticationFailureException($"TLS handshake failed: {exception.Message}");
        }

        _reader = new SmtpLineReader(PipeReader.Create(ssl, new StreamPipeReaderOptions(bufferSize: 8192, leaveOpen: true)));
        _tls = true;
        _helo = null; // RFC 3207 4.2: the client must say EHLO again; all state is forgotten.
        _esmtp = false;
        ResetTransaction();
        return true;
    }

    private async Task<bool> AuthAsync(string argument)
    {
        if (_helo is null || !_esmtp)
        {
            Reply(SmtpReplies.NeedHelo);
            return true;
        }

        if (!AuthAllowed)
        {
            Reply(SmtpReplies.AuthNeedsTls);
            return true;
        }

        if (_authLogin is not null || _mailFrom is not null)
        {
            Reply(SmtpReplies.AuthAlready);
            return true;
        }

        string[] parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        string mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : string.Empty;
        string? initial = parts.Length > 1 ? parts[1] : null;
        string? login;
        string? password;
        switch (mechanism)
        {
            case "PLAIN":
            {
                string? response = initial ?? await ChallengeAsync(string.Empty).ConfigureAwait(false);
                if (response is null)
                {
                    return true;
                }

                if (!TryDecode(response, out string plain))
                {
                    Reply(SmtpReplies.AuthSyntax);
                    return true;
                }

                string[] fields = plain.Split('\0');
                if (fields.Length != 3)
                {
                    Reply(SmtpReplies.AuthSyntax);
                    return true;
                }

                login = fields[1];
                password = fields[2];
                break;
            }

            case "LOGIN":
            {
                string? user = initial ?? await ChallengeAsync("VXNlcm5hbWU6").ConfigureAwait(false);
                if (user is null)
                {
                    return true;
                }

                string? pass = await ChallengeAsync("UGFzc3dvcmQ6").ConfigureAwait(false);
                if (pass is null)
                {
                    return true;
                }

                if (!TryDecode(user, out login) || !TryDecode(pass, out password))
                {
                    Reply(SmtpReplies.AuthSyntax);
                    return true;
                }

                break;
            }

            default:
                Reply(SmtpReplies.AuthMechanism);
                return true;
        }

        var account = _server.Engine().Directory.FindLogin(login);
        bool ok = PasswordHash.Verify(password, account?.PasswordHash) && account is not null;
        _server.Log.Write("smtp.auth", ("session", Id), ("client", ClientIp), ("mechanism", mechanism), ("login", login), ("result", ok ? "ok" : "failed"));
        if (!ok)
        {
            Reply(SmtpReplies.AuthFailed);
            if (++_authFailures >= Limits.MaxAuthFailures)
            {
                _closeReason = "too many AUTH failures";
                WriteAscii(SmtpReplies.Format(SmtpReplies.TooManyErrors));
                return false;
            }

            return true;
        }

        _authLogin = account!.Login;
        Reply(SmtpReplies.AuthOk);
        return true;
    }

    /// <summary>Sends a 334 challenge and reads the answer; null (after a reply) when cancelled or malformed.</summary>
    private async Task<string?> ChallengeAsync(string challenge)
    {
        WriteAscii(challenge.Length == 0 ? "334 " : $"334 {challenge}");
        _line.ResetWrittenCount();
        _commandCts.CancelAfter(Limits.CommandTimeout);
        var status = await _reader.ReadLineAsync(_line, Limits.MaxCommandLineBytes, discardOverlong: false, FlushAsync, _commandCts.Token).ConfigureAwait(false);
        if (status == LineStatus.Closed)
        {
            throw new IOException("connection closed during AUTH");
        }

        if (status == LineStatus.TooLong)
        {
            // As for a command line: the rest of the line is unread, and must not be run as commands.
            _closeReason = "line too long";
            WriteAscii(SmtpReplies.Format(SmtpReplies.LineTooLong));
            _endSession = true;
            return null;
        }

        if (status != LineStatus.Line)
        {
            Reply(SmtpReplies.AuthSyntax);
            return null;
        }

        string answer = Encoding.ASCII.GetString(_line.WrittenSpan);
        if (answer == "*")
        {
            Reply(SmtpReplies.AuthCancelled);
            return null;
        }

        return answer;
    }

    private static bool TryDecode(string base64, out string text)
    {
        text = string.Empty;
        var buffer = new byte[(base64.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out int written))
        {
            return false;
        }

        text = Encoding.UTF8.GetString(buffer, 0, written);
        return true;
    }
}
