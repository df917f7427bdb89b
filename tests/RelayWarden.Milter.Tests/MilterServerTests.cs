using System.Buffers.Binary;
using RelayWarden.Core.Policy;

namespace RelayWarden.Milter.Tests;

public class MilterServerTests
{
    [Fact]
    public async Task Negotiation_asks_to_skip_the_body_and_offers_quarantine_and_macro_lists_only()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        var data = await mta.NegotiateAsync();
        Assert.Equal(6u, BinaryPrimitives.ReadUInt32BigEndian(data));
        Assert.Equal(MilterProtocol.ActionQuarantine | MilterProtocol.ActionSetSymbolList, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4)));
        uint protocol = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(8));
        Assert.NotEqual(0u, protocol & MilterProtocol.NoBody);
        // No connect event (the client address comes with MAIL's macros); "no reply" to each header
        // and to MAIL (a refused sender is the answer to each RCPT). RCPT, end of headers and end of
        // message are always answered.
        Assert.NotEqual(0u, protocol & MilterProtocol.NoConnect);
        Assert.Equal(MilterProtocol.NoReplyHeader | MilterProtocol.NoReplyConnect | MilterProtocol.NoReplyMail, protocol & (0xFF000u | 0x80u));
    }

    [Fact]
    public async Task Negotiation_asks_for_the_few_macros_read_at_each_stage()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        var data = await mta.NegotiateAsync();
        var lists = new Dictionary<uint, string>();
        for (int at = 12; at < data.Length;)
        {
            uint stage = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
            int nul = Array.IndexOf(data, (byte)0, at + 4);
            Assert.True(nul > 0, "a macro list without its NUL");
            lists[stage] = System.Text.Encoding.ASCII.GetString(data, at + 4, nul - at - 4);
            at = nul + 1;
        }

        // Every stage names at least one macro (an empty list would make Postfix send its defaults).
        Assert.Equal(new uint[] { 0, 1, 2, 3, 4, 5, 6 }, lists.Keys.Order().ToArray());
        Assert.All(lists.Values, names => Assert.NotEqual("", names));
        Assert.Equal("i {auth_authen} {client_addr}", lists[2]);
        Assert.Equal("{client_addr}", lists[0]);
    }

    [Fact]
    public async Task An_MTA_that_takes_no_macro_lists_gets_the_plain_negotiation_reply()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        var data = await mta.NegotiateAsync(actionsOffer: 0xFF); // no SMFIF_SETSYMLIST
        Assert.Equal(12, data.Length);
        Assert.Equal(MilterProtocol.ActionQuarantine, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4)));
        // Without macro lists the connect event is kept (its macros are where the address surely comes).
        Assert.Equal(0u, mta.Protocol & MilterProtocol.NoConnect);
        // A connect event without its packet: the client address comes from the {client_addr} macro.
        await mta.MacrosAsync('C', "j", "mx.example", "{client_addr}", "203.0.113.50");
        await mta.MacrosAsync('M', "i", "4Xk2", "{auth_authen}", "alice@acme.example", "{mail_addr}", "alice@acme.example");
        Assert.Equal("(no reply)", await mta.MailAsync("<alice@acme.example>"));
        Assert.Equal("c", await mta.RcptAsync("<bob@customer.example>"));
        await mta.SendAsync((byte)'A', []);
        Assert.Equal("(no reply)", await mta.MailAsync("<ceo@globex.example>"));
        Assert.Equal("y:550 5.7.1 Envelope sender not authorized for your account", await mta.RcptAsync("<bob@customer.example>"));
    }

    [Fact]
    public async Task Incident_message_is_refused_at_end_of_headers_with_our_reply()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        Assert.Equal("(not sent)", await mta.ConnectEventAsync("198.51.100.7"));
        Assert.Equal("(no reply)", await mta.MailAsync("<>"));
        Assert.Equal("c", await mta.RcptAsync("<victim@customer.example>"));
        Assert.Equal("(no reply)", await mta.HeaderAsync("Sender", " noreply@trial-p.example"));
        Assert.Equal("(no reply)", await mta.HeaderAsync("From", " Globex <security@globex.example>"));
        Assert.Equal("(no reply)", await mta.HeaderAsync("Subject", " Your account is locked"));
        Assert.Equal("y:550 5.7.1 From address not authorized for your account", await mta.EndOfHeadersAsync());
    }

    [Fact]
    public async Task Authenticated_login_decides_the_tenant_and_a_good_message_continues()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        Assert.Equal("(not sent)", await mta.ConnectEventAsync("203.0.113.50"));
        await mta.MacrosAsync('M', "{auth_authen}", "alice@acme.example", "i", "4Xk2");
        Assert.Equal("(no reply)", await mta.MailAsync("<alice@acme.example>"));
        Assert.Equal("c", await mta.RcptAsync("<bob@customer.example>"));
        Assert.Equal("(no reply)", await mta.HeaderAsync("From", " Alice <alice@acme.example>"));
        Assert.Equal("a", await mta.EndOfHeadersAsync()); // accept: nothing left to decide, no body or end-of-message events
    }

    [Fact]
    public async Task An_MTA_without_no_reply_support_gets_an_answer_to_every_event()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync(protocolOffer: 0x37F, actionsOffer: 0xFF); // an older MTA: no SMFIP_NR_* offered, no macro lists
        Assert.Equal(0u, mta.Protocol & (MilterProtocol.NoReplyHeader | MilterProtocol.NoReplyConnect | MilterProtocol.NoReplyMail | MilterProtocol.NoConnect));
        Assert.Equal("c", await mta.ConnectEventAsync("192.0.2.10"));
        Assert.Equal("c", await mta.MailAsync("<alice@acme.example>"));
        Assert.Equal("c", await mta.HeaderAsync("From", " ceo@globex.example"));
        Assert.Equal("y:550 5.7.1 From address not authorized for your account", await mta.EndOfHeadersAsync());
    }

    [Fact]
    public async Task Envelope_sender_of_another_tenant_is_refused_at_each_RCPT_when_MAIL_gets_no_reply()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await mta.ConnectEventAsync("203.0.113.50");
        await mta.MacrosAsync('M', "{auth_authen}", "alice@acme.example");
        Assert.Equal("(no reply)", await mta.MailAsync("<ceo@globex.example>"));
        Assert.Equal("y:550 5.7.1 Envelope sender not authorized for your account", await mta.RcptAsync("<bob@customer.example>"));
        Assert.Equal("y:550 5.7.1 Envelope sender not authorized for your account", await mta.RcptAsync("<carol@customer.example>"));
        await mta.SendAsync((byte)'A', []);
        Assert.Equal("(no reply)", await mta.MailAsync("<alice@acme.example>")); // the next message starts afresh
        Assert.Equal("c", await mta.RcptAsync("<bob@customer.example>"));
    }

    [Fact]
    public async Task Envelope_sender_of_another_tenant_is_refused_at_MAIL_by_an_MTA_that_wants_every_reply()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync(protocolOffer: 0x1FFFFF & ~MilterProtocol.NoReplyMail);
        await mta.ConnectEventAsync("203.0.113.50");
        await mta.MacrosAsync('M', "{auth_authen}", "alice@acme.example");
        Assert.Equal("y:550 5.7.1 Envelope sender not authorized for your account", await mta.MailAsync("<ceo@globex.example>"));
    }

    [Fact]
    public async Task Unknown_client_is_refused_at_RCPT()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await mta.ConnectEventAsync("203.0.113.9");
        await mta.MailAsync("<alice@acme.example>");
        Assert.Equal("y:554 5.7.1 Relay access denied", await mta.RcptAsync("<bob@customer.example>"));
    }

    [Fact]
    public async Task Several_messages_on_one_connection_with_abort_between_them()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await mta.ConnectEventAsync("192.0.2.10");
        Assert.Equal("(no reply)", await mta.MailAsync("<alice@acme.example>"));
        Assert.Equal("(no reply)", await mta.HeaderAsync("From", " ceo@globex.example"));
        await mta.SendAsync((byte)'A', []); // abort: no reply expected
        Assert.Equal("(no reply)", await mta.MailAsync("<alice@acme.example>"));
        Assert.Equal("c", await mta.RcptAsync("<bob@customer.example>"));
        Assert.Equal("(no reply)", await mta.HeaderAsync("From", " alice@acme.example"));
        Assert.Equal("a", await mta.EndOfHeadersAsync()); // the aborted message's From is forgotten
        Assert.Equal("(no reply)", await mta.MailAsync("<alice@acme.example>")); // the next message on the connection starts afresh
    }

    [Fact]
    public async Task Hold_quarantines_at_end_of_message()
    {
        var options = new PolicyOptions { RuleActions = new Dictionary<string, RuleAction> { ["sender.from.display-name"] = RuleAction.Hold } };
        var (server, _) = MilterTestClient.StartServer(options: options);
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await mta.ConnectEventAsync("192.0.2.10");
        await mta.MailAsync("<alice@acme.example>");
        await mta.RcptAsync("<bob@customer.example>");
        await mta.HeaderAsync("From", " \"security@globex.example\" <alice@acme.example>");
        Assert.Equal("c", await mta.EndOfHeadersAsync());
        Assert.Equal(["q:RelayWarden: sender.from.display-name", "c"], await mta.EndOfMessageAsync());
    }

    [Fact]
    public async Task A_rule_in_monitor_mode_that_fails_adds_the_monitor_header_at_end_of_message()
    {
        var options = new PolicyOptions
        {
            RuleActions = new Dictionary<string, RuleAction> { ["sender.from.display-name"] = RuleAction.Monitor },
            MonitorHeader = "X-RelayWarden-Monitor",
        };
        var (server, _) = MilterTestClient.StartServer(options: options);
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        var negotiated = await mta.NegotiateAsync();
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(negotiated.AsSpan(4)) & MilterProtocol.ActionAddHeaders);
        await mta.ConnectEventAsync("192.0.2.10");
        await mta.MailAsync("<alice@acme.example>");
        Assert.Equal("c", await mta.RcptAsync("<bob@customer.example>"));
        await mta.HeaderAsync("From", " \"security@globex.example\" <alice@acme.example>");
        Assert.Equal("c", await mta.EndOfHeadersAsync()); // not "accept": the header comes at end of message
        Assert.Equal(["h:X-RelayWarden-Monitor\0 sender.from.display-name", "c"], await mta.EndOfMessageAsync());

        // The next message on the connection, nothing failed: accepted at end of headers, no header.
        await mta.MailAsync("<alice@acme.example>");
        await mta.RcptAsync("<bob@customer.example>");
        await mta.HeaderAsync("From", " Alice <alice@acme.example>");
        Assert.Equal("a", await mta.EndOfHeadersAsync());
    }

    [Fact]
    public async Task Folded_header_values_are_rebuilt_and_checked()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await mta.ConnectEventAsync("192.0.2.10");
        await mta.MailAsync("<alice@acme.example>");
        await mta.HeaderAsync("From", " Alice\n <alice@acme.example>");
        await mta.HeaderAsync("From", " ceo@globex.example");
        Assert.Equal("y:550 5.7.1 Ambiguous author address in the message header", await mta.EndOfHeadersAsync());
    }

    [Fact]
    public async Task Events_split_into_single_bytes_are_read_the_same()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        mta.Bytewise = true;
        await mta.NegotiateAsync();
        await mta.ConnectEventAsync("198.51.100.7");
        await mta.MailAsync("<>");
        await mta.HeaderAsync("From", " security@globex.example");
        Assert.Equal("y:550 5.7.1 From address not authorized for your account", await mta.EndOfHeadersAsync());
    }

    [Fact]
    public async Task A_header_packet_larger_than_the_read_buffer_is_read_whole()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await mta.ConnectEventAsync("198.51.100.7");
        await mta.MailAsync("<>");
        await mta.HeaderAsync("X-Long", " " + new string('a', 100_000)); // 25 times the 4 KiB initial buffer
        await mta.HeaderAsync("From", " security@globex.example");
        Assert.Equal("y:550 5.7.1 From address not authorized for your account", await mta.EndOfHeadersAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_conversation_is_the_same_on_one_event_loop_and_on_a_thread_per_connection(int loops)
    {
        var (server, _) = MilterTestClient.StartServer(limits: new MilterLimits { EventLoops = loops });
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await mta.ConnectEventAsync("198.51.100.7");
        await mta.MailAsync("<>");
        await mta.HeaderAsync("From", " security@globex.example");
        Assert.Equal("y:550 5.7.1 From address not authorized for your account", await mta.EndOfHeadersAsync());
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task Oversized_length_closes_only_that_connection()
    {
        var (server, _) = MilterTestClient.StartServer(limits: new MilterLimits { MaxPacketBytes = 4096 });
        await using var _ = server;
        using var good = await MilterTestClient.ConnectAsync(server);
        await good.NegotiateAsync();
        using var hostile = await MilterTestClient.ConnectAsync(server);
        await hostile.SendRawAsync([0x7F, 0xFF, 0xFF, 0xFF, (byte)'L', 1, 2, 3]);
        Assert.True(await hostile.IsClosedAsync());
        Assert.Equal("(not sent)", await good.ConnectEventAsync("192.0.2.10"));
        Assert.Equal("(no reply)", await good.MailAsync("<alice@acme.example>"));
        Assert.Equal("c", await good.RcptAsync("<bob@customer.example>"));
    }

    [Fact]
    public async Task A_silent_peer_is_dropped_after_the_read_timeout_without_harming_others()
    {
        var (server, _) = MilterTestClient.StartServer(limits: new MilterLimits { ReadTimeout = TimeSpan.FromSeconds(1.5) });
        await using var _ = server;
        using var silent = await MilterTestClient.ConnectAsync(server);
        using var busy = await MilterTestClient.ConnectAsync(server);
        await busy.NegotiateAsync();
        var silentClosed = silent.IsClosedAsync();
        int exchanges = 0;
        while (!silentClosed.IsCompleted)
        {
            // The busy peer keeps talking (within its timeout) while the silent one is dropped.
            Assert.Equal("c", await busy.AskAsync((byte)'U', MilterTestClient.Z("NOOP")));
            exchanges++;
            await Task.Delay(50);
        }

        Assert.True(await silentClosed);
        Assert.True(exchanges >= 2, $"only {exchanges} exchanges before the silent peer was dropped");
        Assert.Equal("c", await busy.AskAsync((byte)'U', MilterTestClient.Z("NOOP")));
    }

    [Fact]
    public async Task A_packet_cut_in_the_middle_closes_only_that_connection()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var good = await MilterTestClient.ConnectAsync(server);
        await good.NegotiateAsync();
        var cut = await MilterTestClient.ConnectAsync(server);
        await cut.SendRawAsync([0, 0, 0, 50, (byte)'M', (byte)'<']); // promises 50 octets, sends 2, hangs up
        cut.Dispose();
        Assert.Equal("c", await good.AskAsync((byte)'U', MilterTestClient.Z("NOOP")));
        await Task.Delay(200);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task Stopping_closes_idle_connections_at_once_and_accepts_no_more()
    {
        var (server, _) = MilterTestClient.StartServer();
        var endpoint = System.Net.IPEndPoint.Parse(server.Address[5..]);
        using var idle = await MilterTestClient.ConnectAsync(server);
        await idle.NegotiateAsync();
        using var other = await MilterTestClient.ConnectAsync(server);
        await other.NegotiateAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.StopAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stop took {clock.Elapsed}: idle sessions were not woken");
        Assert.True(await idle.IsClosedAsync());
        Assert.True(await other.IsClosedAsync());
        Assert.Equal(0, server.Connections);
        using var late = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => late.ConnectAsync(endpoint));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Unknown_commands_are_answered_with_continue()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        Assert.Equal("c", await mta.AskAsync((byte)'Z', [1, 2, 3]));
        Assert.Equal("c", await mta.AskAsync((byte)'U', MilterTestClient.Z("XFOO bar")));
    }

    [Fact]
    public async Task Quit_closes_the_connection()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await mta.SendAsync((byte)'Q', []);
        Assert.True(await mta.IsClosedAsync());
    }

    [Fact]
    public async Task Unix_socket_listener_works()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rw-milter-{Guid.NewGuid():N}.sock");
        var (server, _) = MilterTestClient.StartServer("unix:" + path);
        await using (server)
        {
            // Postfix connects as its own user: the socket is writable by every local user.
            Assert.Equal(UnixFileMode.OtherWrite, OperatingSystem.IsWindows() ? UnixFileMode.OtherWrite : File.GetUnixFileMode(path) & UnixFileMode.OtherWrite);
            using var mta = await MilterTestClient.ConnectAsync(server);
            await mta.NegotiateAsync();
            Assert.Equal("c", await mta.AskAsync((byte)'U', MilterTestClient.Z("NOOP")));
        }

        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData(VerdictAction.Relay, "c")]
    [InlineData(VerdictAction.Reject, "y:550 5.7.1 From address not authorized for your account")]
    [InlineData(VerdictAction.Defer, "y:451 4.7.1 Try again later")]
    public void Every_verdict_action_has_its_milter_reply(VerdictAction action, string expected)
    {
        var reply = action switch
        {
            VerdictAction.Relay => SmtpReply.Accepted,
            VerdictAction.Defer => SmtpReply.TryLater,
            _ => new SmtpReply(SmtpStatusCode.MailboxUnavailable, "5.7.1", "From address not authorized for your account"),
        };
        var wire = MilterReplies.ForStage(new Verdict(action, reply, "acme", []));
        Assert.NotNull(wire);
        Assert.Equal(expected, MilterTestClient.Describe((wire.Value.Command, wire.Value.Data)));
        Assert.Null(MilterReplies.ForStage(new Verdict(VerdictAction.Hold, SmtpReply.Held, "acme", [])));
    }
}
