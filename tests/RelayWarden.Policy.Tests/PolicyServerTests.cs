using RelayWarden.Core.Policy;

namespace RelayWarden.Policy.Tests;

public class PolicyServerTests
{
    [Fact]
    public async Task Authorized_client_with_own_sender_gets_DUNNO()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task Unknown_client_is_refused_as_relay_denied()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=554 5.7.1 Relay access denied", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task Login_decides_the_tenant_and_another_tenants_sender_is_refused()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "ceo@globex.example", "bob@customer.example", login: "alice@acme.example"));
        Assert.Equal("action=550 5.7.1 Envelope sender not authorized for your account", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task Self_service_trial_is_refused_with_null_sender_too()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("198.51.100.7", "", "victim@customer.example"));
        Assert.Equal("action=550 5.7.1 Outbound relay is not enabled for this account", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task Percent_hack_recipient_is_refused()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "victim%elsewhere.example@customer.example"));
        Assert.Equal("action=550 5.7.1 Relay access denied: routing in recipient address", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task A_value_that_changes_between_requests_of_a_connection_is_read_anew()
    {
        // The reader reuses the string of a value equal to the connection's last one: a changed value
        // (here the sender, then the login) must not be taken for the previous one.
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example", login: "alice@acme.example"));
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.exampl", "bob@customer.example", login: "alice@acme.example"));
        Assert.Equal("action=550 5.7.1 Envelope sender not authorized for your account", await connection.ReadAnswerAsync());
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example", login: "alice@acme.example"));
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example", login: "alice@acme.examplf"));
        Assert.NotEqual("action=DUNNO", await connection.ReadAnswerAsync()); // a login of no tenant
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=554 5.7.1 Relay access denied", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task A_rule_in_monitor_mode_that_fails_prepends_the_monitor_header_once_a_message()
    {
        var options = new PolicyOptions
        {
            RuleActions = new Dictionary<string, RuleAction> { [RuleIds.EnvelopeOtherTenant] = RuleAction.Monitor },
            MonitorHeader = "X-RelayWarden-Monitor",
        };
        await using var server = new PolicyTestServer(options);
        using var connection = await server.ConnectAsync();
        string spoofed = PolicyTestServer.Rcpt("203.0.113.9", "ceo@globex.example", "bob@customer.example", login: "alice@acme.example");
        await connection.SendAsync(spoofed);
        Assert.Equal("action=PREPEND X-RelayWarden-Monitor: sender.envelope.other-tenant", await connection.ReadAnswerAsync());
        await connection.SendAsync(spoofed.Replace("bob@", "carol@", StringComparison.Ordinal)); // the same message's next recipient
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
        await connection.SendAsync(spoofed.Replace("instance=1a2b.3c4d.5e6f.0", "instance=1a2b.3c4d.5e6f.1", StringComparison.Ordinal)); // the next message
        Assert.Equal("action=PREPEND X-RelayWarden-Monitor: sender.envelope.other-tenant", await connection.ReadAnswerAsync());
        await connection.SendAsync(spoofed.Replace("protocol_state=RCPT", "protocol_state=END-OF-MESSAGE", StringComparison.Ordinal)); // too late for PREPEND
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example", login: "alice@acme.example")
            .Replace("instance=1a2b.3c4d.5e6f.0", "instance=1a2b.3c4d.5e6f.2", StringComparison.Ordinal)); // nothing failed
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task Without_a_monitor_header_a_rule_in_monitor_mode_changes_no_answer()
    {
        var options = new PolicyOptions { RuleActions = new Dictionary<string, RuleAction> { [RuleIds.EnvelopeOtherTenant] = RuleAction.Monitor } };
        await using var server = new PolicyTestServer(options);
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "ceo@globex.example", "bob@customer.example", login: "alice@acme.example"));
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task Persistent_connection_answers_many_requests_in_order()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        for (int i = 0; i < 50; i++)
        {
            bool good = i % 2 == 0;
            await connection.SendAsync(PolicyTestServer.Rcpt(good ? "192.0.2.10" : "203.0.113.9", "alice@acme.example", $"r{i}@customer.example"));
            Assert.Equal(good ? "action=DUNNO" : "action=554 5.7.1 Relay access denied", await connection.ReadAnswerAsync());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Many_connections_are_answered_on_event_loops_and_on_threads_alike(int loops)
    {
        await using var server = new PolicyTestServer(limits: new PolicyLimits { EventLoops = loops });
        var connections = new List<PolicyTestServer.Connection>();
        for (int i = 0; i < 30; i++)
        {
            connections.Add(await server.ConnectAsync());
        }

        for (int round = 0; round < 3; round++)
        {
            foreach (var connection in connections)
            {
                await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
            }

            foreach (var connection in connections)
            {
                Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
            }
        }

        Assert.Equal(90, server.Server.Requests);
        Assert.Equal(30, server.Server.Connections);
        connections.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task A_request_split_into_single_bytes_parses_the_same()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendBytewiseAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=554 5.7.1 Relay access denied", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task Pipelined_requests_in_one_write_are_answered_each()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "a@customer.example") +
            PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "b@customer.example"));
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
        Assert.Equal("action=554 5.7.1 Relay access denied", await connection.ReadAnswerAsync());
    }

    [Theory]
    [InlineData("this is not a policy request\n\n", "malformed request")]
    [InlineData("\n", "malformed request")]
    [InlineData("request=other_policy\nprotocol_state=RCPT\n\n", "unsupported request 'other_policy'")]
    [InlineData("request=smtpd_access_policy\nclient_address=192.0.2.10\n\n", "missing attribute protocol_state")]
    [InlineData("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@acme.example\nrecipient=b@c.example\n\n", "missing or bad attribute client_address")]
    [InlineData("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.10\nrecipient=b@c.example\n\n", "missing attribute sender")]
    [InlineData("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.10\nsender=a@acme.example\n\n", "missing attribute recipient at RCPT")]
    [InlineData("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=not-an-ip\nsender=\nrecipient=b@c.example\n\n", "missing or bad attribute client_address")]
    public async Task Bad_requests_get_a_temporary_answer_and_the_connection_goes_on(string request, string why)
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(request);
        Assert.StartsWith($"action=DEFER_IF_PERMIT 4.3.5 RelayWarden: {why}", await connection.ReadAnswerAsync());

        await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task Over_long_line_is_answered_and_the_connection_closed_without_harming_others()
    {
        await using var server = new PolicyTestServer(limits: new PolicyLimits { MaxLineBytes = 512 });
        using var other = await server.ConnectAsync();
        using var hostile = await server.ConnectAsync();
        await hostile.SendAsync("request=smtpd_access_policy\nsender=" + new string('a', 5000) + "\n\n");
        Assert.Equal("action=DEFER_IF_PERMIT 4.3.5 RelayWarden: attribute line longer than 512 octets", await hostile.ReadAnswerAsync());
        Assert.True(await hostile.IsClosedAsync());

        await other.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=DUNNO", await other.ReadAnswerAsync());
    }

    [Fact]
    public async Task Too_many_errors_close_the_connection()
    {
        await using var server = new PolicyTestServer(limits: new PolicyLimits { MaxErrors = 3 });
        using var connection = await server.ConnectAsync();
        for (int i = 0; i < 3; i++)
        {
            await connection.SendAsync("garbage\n\n");
            Assert.StartsWith("action=DEFER_IF_PERMIT", await connection.ReadAnswerAsync());
        }

        Assert.True(await connection.IsClosedAsync());
    }

    [Fact]
    public async Task Unsupported_requests_count_as_errors_and_close_the_connection()
    {
        await using var server = new PolicyTestServer(limits: new PolicyLimits { MaxErrors = 3 });
        using var connection = await server.ConnectAsync();
        await connection.SendAsync("request=smtpd_access_policy\nprotocol_state=CONNECT\nclient_address=203.0.113.9\n\n");
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync()); // a request we judge is never an error
        for (int i = 0; i < 3; i++)
        {
            await connection.SendAsync(i == 1 ? "request=smtpd_access_policy\nclient_address=203.0.113.9\n\n" : "request=other_policy\nprotocol_state=RCPT\n\n");
            Assert.StartsWith("action=DEFER_IF_PERMIT 4.3.5 RelayWarden: ", await connection.ReadAnswerAsync(), StringComparison.Ordinal);
        }

        Assert.True(await connection.IsClosedAsync());
    }

    [Fact]
    public async Task Silent_client_is_disconnected_after_the_idle_timeout()
    {
        await using var server = new PolicyTestServer(limits: new PolicyLimits { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        using var connection = await server.ConnectAsync();
        Assert.True(await connection.IsClosedAsync());
    }

    [Fact]
    public async Task Stages_before_MAIL_have_no_opinion()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync("request=smtpd_access_policy\nprotocol_state=CONNECT\nclient_address=203.0.113.9\n\n");
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
    }

    [Theory]
    [InlineData(RuleAction.Defer, "action=DEFER_IF_PERMIT 4.7.1 Try again later")]
    [InlineData(RuleAction.Hold, "action=HOLD Ok: queued for review")]
    [InlineData(RuleAction.Monitor, "action=DUNNO")]
    [InlineData(RuleAction.Reject, "action=554 5.7.1 Relay access denied")]
    public async Task Every_verdict_action_has_its_policy_answer(RuleAction configured, string expected)
    {
        var options = new PolicyOptions { RuleActions = new Dictionary<string, RuleAction> { [RuleIds.RelayDenied] = configured } };
        await using var server = new PolicyTestServer(options);
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example"));
        Assert.Equal(expected, await connection.ReadAnswerAsync());
    }
}
