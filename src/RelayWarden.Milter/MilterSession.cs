using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;

namespace RelayWarden.Milter;

/// <summary>
/// One milter connection's state machine: it turns MTA events into a <see cref="Submission"/>,
/// asks the engine at MAIL, RCPT and end of headers, and answers every event it asked for. Pure:
/// packets in, replies out; the server does the I/O.
/// </summary>
public sealed class MilterSession
{
    private readonly Func<SenderAuthorization> _engine;
    private readonly MilterLimits _limits;
    // The two macros read (any others the MTA sends are skipped without becoming strings).
    private string? _authAuthen;
    private string? _clientAddr;
    private IPAddress? _clientAddrIp; // _clientAddr parsed once (it comes again with every MAIL)
    private readonly List<string> _recipients = [];
    private readonly ArrayBufferWriter<byte> _header = new(4096);
    private IPAddress? _client;
    private string? _mailFrom;
    private bool _headerOverflow;
    private Verdict? _held;
    private MilterReply? _monitorHeader; // SMFIR_ADDHEADER at end of message (policy.monitor_header)
    private bool _addHeaders;             // the MTA lets us add header fields (SMFIF_ADDHDRS)
    private (Verdict Verdict, MilterReply Reply)? _mailRefusal; // a refused sender, answered at each RCPT (SMFIP_NR_MAIL)
    private int _refusedRecipients;
    private readonly IMonitorGate? _monitor;
    private readonly TimeProvider _time;

    public MilterSession(Func<SenderAuthorization> engine, MilterLimits limits)
        : this(engine, limits, null, TimeProvider.System)
    {
    }

    /// <summary>A session that also has each message watched by the shared monitor at end of headers.</summary>
    public MilterSession(Func<SenderAuthorization> engine, MilterLimits limits, IMonitorGate? monitor, TimeProvider time)
    {
        _engine = engine;
        _limits = limits;
        _monitor = monitor;
        _time = time;
    }

    /// <summary>The last verdict reached (for logs and records).</summary>
    public Verdict? LastVerdict { get; private set; }

    /// <summary>The SASL login of the session, when the MTA sent {auth_authen}.</summary>
    public string? Login => _authAuthen is { Length: > 0 } login ? login : null;

    /// <summary>Handles one packet; adds the replies to send; returns false when the connection must close.</summary>
    public bool Handle(byte command, ReadOnlySpan<byte> data, List<MilterReply> replies)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        switch (command)
        {
            case MilterProtocol.OptionNegotiation:
                return Negotiate(data, replies);
            case MilterProtocol.Macro:
                ReadMacros(data);
                return true;
            case MilterProtocol.Connect:
                ReadConnect(data);
                if (!_noReplyConnect)
                {
                    replies.Add(MilterReply.Continue);
                }

                return true;
            case MilterProtocol.Helo:
            case MilterProtocol.Data:
            case MilterProtocol.Unknown:
            case MilterProtocol.Body:
                replies.Add(MilterReply.Continue);
                return true;
            case MilterProtocol.Mail:
                ResetMessage();
                _mailFrom = Joined(data);
                if (_noReplyMail)
                {
                    // MAIL gets no reply (one round trip less a message): a refused sender is the
                    // answer to each RCPT instead, where Postfix itself refuses by default
                    // (smtpd_delay_reject) and where the policy door answers too.
                    var mailVerdict = Evaluate(SubmissionStage.Mail);
                    var answer = Decide(mailVerdict, "milter.mail", started);
                    if (answer.Command != MilterProtocol.ReplyContinue)
                    {
                        _mailRefusal = (mailVerdict, answer);
                    }

                    return true;
                }

                replies.Add(Decide(Evaluate(SubmissionStage.Mail), "milter.mail", started));
                return true;
            case MilterProtocol.Rcpt when _mailRefusal is { } refusal:
                _refusedRecipients++;
                LastVerdict = refusal.Verdict;
                replies.Add(refusal.Reply);
                return true;
            case MilterProtocol.Rcpt:
                string recipient = First(data);
                var verdict = _engine().EvaluateRecipient(Submission(), recipient);
                LastVerdict = verdict;
                if (verdict.Action == VerdictAction.Relay || verdict.Action == VerdictAction.Hold)
                {
                    _recipients.Add(recipient);
                }
                else
                {
                    _refusedRecipients++;
                }

                replies.Add(Decide(verdict, "milter.rcpt", started));
                return true;
            case MilterProtocol.Header:
                AppendHeader(data);
                if (!_noReplyHeader)
                {
                    replies.Add(MilterReply.Continue);
                }

                return true;
            case MilterProtocol.EndOfHeaders:
                if (_headerOverflow)
                {
                    replies.Add(MilterReply.Code("552 5.3.4 Message header too large"));
                    return true;
                }

                var decided = Observe(Evaluate(SubmissionStage.Data));
                if (_addHeaders && MonitorHeader.Field(_engine().Options, decided) is { } field)
                {
                    // Relayed although a rule in monitor mode failed: the header is added at end of message.
                    _monitorHeader = MilterReply.AddHeader(field.Name, field.Value, _leadingSpace);
                    replies.Add(Decide(decided, "milter.data", started));
                    return true;
                }

                if (decided.Action == VerdictAction.Relay)
                {
                    // Nothing left to decide: SMFIR_ACCEPT spares the MTA the body and end-of-message round trips.
                    RelayMeters.Decision("milter", "milter.data", decided.Action, decided.Reasons);
                    RelayMeters.MilterDecisionSeconds.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                    LastVerdict = decided;
                    replies.Add(MilterReply.Accept);
                    ResetMessage();
                    return true;
                }

                replies.Add(Decide(decided, "milter.data", started));
                return true;
            case MilterProtocol.EndOfBody:
                if (_held is { } held)
                {
                    replies.Add(MilterReply.Quarantine(MilterReplies.HoldReason(held)));
                }

                if (_monitorHeader is { } add)
                {
                    replies.Add(add);
                }

                replies.Add(MilterReply.Continue);
                ResetMessage();
                return true;
            case MilterProtocol.Abort:
                ResetMessage();
                return true;
            case MilterProtocol.QuitNewConnection:
                ResetMessage();
                _authAuthen = null;
                _clientAddr = null;
                _clientAddrIp = null;
                _client = null;
                return true;
            case MilterProtocol.Quit:
                return false;
            default:
                // An unknown command: tell the MTA to go on without us for this event.
                replies.Add(MilterReply.Continue);
                return true;
        }
    }

    /// <summary>Counts and remembers the verdict; returns the reply for a stage before end of message.</summary>
    private MilterReply Decide(Verdict verdict, string stage, long started)
    {
        RelayMeters.Decision("milter", stage, verdict.Action, verdict.Reasons);
        RelayMeters.MilterDecisionSeconds.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        LastVerdict = verdict;
        if (verdict.Action == VerdictAction.Hold)
        {
            _held = verdict;
        }

        return MilterReplies.ForStage(verdict) ?? MilterReply.Continue;
    }

    private Verdict Evaluate(SubmissionStage stage)
    {
        var submission = Submission();
        if (stage == SubmissionStage.Data)
        {
            submission = new Submission
            {
                ClientIp = submission.ClientIp,
                AuthLogin = submission.AuthLogin,
                MailFrom = submission.MailFrom,
                Recipients = [],
                Message = _header.WrittenMemory,
            };
        }

        return _engine().Evaluate(submission, stage);
    }

    /// <summary>Has the monitor count the message (when the engine lets it through) and merges its decision.</summary>
    private Verdict Observe(Verdict verdict) => MonitorVerdicts.Apply(_monitor, verdict, tenant =>
    {
        var submission = Submission();
        var withHeader = new Submission
        {
            ClientIp = submission.ClientIp, AuthLogin = submission.AuthLogin, MailFrom = submission.MailFrom, Recipients = submission.Recipients,
            Message = _header.WrittenMemory,
        };
        return Observations.From(withHeader, tenant, _engine().Directory, _refusedRecipients, _time.GetUtcNow());
    });

    private Submission Submission() => new()
    {
        ClientIp = _client ?? _clientAddrIp,
        AuthLogin = Login,
        MailFrom = _mailFrom ?? "<>",
        Recipients = _recipients,
    };

    private void ResetMessage()
    {
        _mailFrom = null;
        _mailRefusal = null;
        _recipients.Clear();
        _header.Clear();
        _headerOverflow = false;
        _held = null;
        _monitorHeader = null;
        _refusedRecipients = 0;
    }

    private bool Negotiate(ReadOnlySpan<byte> data, List<MilterReply> replies)
    {
        if (data.Length < 12)
        {
            return false;
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint actions = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        uint protocol = BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
        if (version < 2)
        {
            return false;
        }

        const uint Always = MilterProtocol.NoHelo | MilterProtocol.NoBody | MilterProtocol.NoUnknown | MilterProtocol.NoData |
            MilterProtocol.HeaderLeadingSpace | MilterProtocol.NoReplyHeader | MilterProtocol.NoReplyConnect | MilterProtocol.NoReplyMail;
        bool lists = version >= 6 && (actions & MilterProtocol.ActionSetSymbolList) != 0;

        // With macro lists the client address comes with MAIL's macros, so the connect event is not
        // needed at all; without them it is the only place the address is sure to come.
        uint Wanted = lists ? Always | MilterProtocol.NoConnect : Always;
        byte[] reply = lists ? s_negotiationWithLists.ToArray() : new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(reply, Math.Min(version, MilterProtocol.Version));
        uint ours = MilterProtocol.ActionQuarantine | (lists ? MilterProtocol.ActionSetSymbolList : 0);
        if (_engine().Options.MonitorHeader is not null)
        {
            ours |= MilterProtocol.ActionAddHeaders;
        }

        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(4), actions & ours);
        _addHeaders = (actions & ours & MilterProtocol.ActionAddHeaders) != 0;
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(8), protocol & Wanted);
        replies.Add(new MilterReply(MilterProtocol.OptionNegotiation, reply));
        _leadingSpace = (protocol & MilterProtocol.HeaderLeadingSpace) != 0;
        _noReplyHeader = (protocol & MilterProtocol.NoReplyHeader) != 0;
        _noReplyConnect = (protocol & MilterProtocol.NoReplyConnect) != 0;
        _noReplyMail = (protocol & MilterProtocol.NoReplyMail) != 0;
        return true;
    }

    // 12 octets (version, actions, protocol: filled per connection), then the macro lists: for each
    // stage its number (32 bits, big-endian) and its names, space-separated, NUL-terminated.
    private static readonly byte[] s_negotiationWithLists = BuildNegotiation();

    private static byte[] BuildNegotiation()
    {
        var lists = new ArrayBufferWriter<byte>(128);
        lists.Write(new byte[12]);
        foreach (var (stage, names) in MilterProtocol.MacroLists)
        {
            BinaryPrimitives.WriteUInt32BigEndian(lists.GetSpan(4), stage);
            lists.Advance(4);
            lists.Write(Encoding.ASCII.GetBytes(names));
            lists.Write([(byte)0]);
        }

        return lists.WrittenSpan.ToArray();
    }

    private bool _leadingSpace;
    private bool _noReplyHeader;
    private bool _noReplyConnect;
    private bool _noReplyMail;

    private void ReadMacros(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        // Stage octet, then NUL-terminated name, value pairs; a name may come with or without braces.
        data = data[1..];
        while (!data.IsEmpty)
        {
            int nul = data.IndexOf((byte)0);
            if (nul < 0)
            {
                return; // a name without a value
            }

            var name = data[..nul].Trim("{}"u8);
            data = data[(nul + 1)..];
            if (data.IsEmpty)
            {
                return;
            }

            nul = data.IndexOf((byte)0);
            var value = nul < 0 ? data : data[..nul];
            data = nul < 0 ? [] : data[(nul + 1)..];
            if (name.SequenceEqual("auth_authen"u8))
            {
                _authAuthen = Encoding.UTF8.GetString(value);
            }
            else if (name.SequenceEqual("client_addr"u8))
            {
                if (_clientAddr is null || !Ascii.Equals(value, _clientAddr))
                {
                    _clientAddr = Encoding.UTF8.GetString(value);
                    _clientAddrIp = IPAddress.TryParse(_clientAddr, out var ip) ? ip : null;
                }
            }
        }
    }

    private void ReadConnect(ReadOnlySpan<byte> data)
    {
        int nul = data.IndexOf((byte)0);
        if (nul < 0 || nul + 1 >= data.Length)
        {
            return;
        }

        byte family = data[nul + 1];
        if (family is (byte)'4' or (byte)'6' && data.Length >= nul + 4)
        {
            var address = data[(nul + 4)..];
            int end = address.IndexOf((byte)0);
            string text = Encoding.ASCII.GetString(end < 0 ? address : address[..end]);
            if (text.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
            {
                text = text[5..];
            }

            _client = IPAddress.TryParse(text, out var ip) ? ip : null;
        }
    }

    private void AppendHeader(ReadOnlySpan<byte> data)
    {
        int nul = data.IndexOf((byte)0);
        if (nul < 0)
        {
            return;
        }

        var name = data[..nul];
        var value = data[(nul + 1)..];
        if (!value.IsEmpty && value[^1] == 0)
        {
            value = value[..^1];
        }

        if (_header.WrittenCount + name.Length + value.Length + 4 > _limits.MaxHeaderBytes)
        {
            _headerOverflow = true;
            return;
        }

        // Rebuild "Name: value" CRLF; folding breaks arrive as LF or CRLF and go back as CRLF.
        _header.Write(name);
        _header.Write(":"u8);
        if (!_leadingSpace)
        {
            _header.Write(" "u8);
        }

        while (!value.IsEmpty)
        {
            int lf = value.IndexOf((byte)'\n');
            if (lf < 0)
            {
                _header.Write(value);
                break;
            }

            // A bare LF becomes CRLF; a CRLF stays as it is.
            if (lf > 0 && value[lf - 1] == (byte)'\r')
            {
                _header.Write(value[..(lf + 1)]);
            }
            else
            {
                _header.Write(value[..lf]);
                _header.Write("\r\n"u8);
            }

            value = value[(lf + 1)..];
        }

        _header.Write("\r\n"u8);
    }

    // MAIL and RCPT data: the address, then its ESMTP parameters, each NUL-terminated.
    private static string First(ReadOnlySpan<byte> data)
    {
        int nul = data.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul < 0 ? data : data[..nul]);
    }

    /// <summary>The NUL-separated strings joined with spaces ("&lt;a@b&gt; SIZE=100").</summary>
    private static string Joined(ReadOnlySpan<byte> data)
    {
        if (!data.IsEmpty && data[^1] == 0)
        {
            data = data[..^1];
        }

        if (data.IndexOf((byte)0) < 0)
        {
            return Encoding.UTF8.GetString(data);
        }

        byte[] copy = data.ToArray();
        copy.AsSpan().Replace((byte)0, (byte)' ');
        return Encoding.UTF8.GetString(copy);
    }
}
