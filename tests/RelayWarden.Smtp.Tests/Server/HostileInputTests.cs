using RelayWarden.TestSupport;
using System.Text;
using RelayWarden.Smtp.Tests.Infrastructure;

namespace RelayWarden.Smtp.Tests.Server;

/// <summary>Open-relay tricks, SMTP smuggling and abusive clients: refused, answered, disconnected, nobody else harmed.</summary>
public sealed class HostileInputTests
{
    /// <summary>Classic open-relay tricks in RCPT TO, from a tenant's own address (so only the path itself can be refused).</summary>
    public static TheoryData<string> RoutingTricks() => new()
    {
        "<user%victim.example@acme.example>",
        "<user%victim.example>",
        "<@acme.example:user@victim.example>",
        "<@a.example,@b.example:user@victim.example>",
        "<victim.example!user>",
        "<victim.example!user@acme.example>",
        "<\"user@victim.example\">",
        "<\"user@victim.example\"@acme.example>",
        "<\"user%victim.example\"@acme.example>",
        "<user@[192.0.2.1]>",
        "<user@[IPv6:2001:db8::1]>",
        "<user@victim.example@acme.example>",
        "<user@@victim.example>",
        "<user@victim..example>",
        "<user@-victim.example>",
        "<<user@victim.example>>",
        "user@victim.example",
        "<user@victim.example",
        "<>",
        "<user@victim example>",
    };

    [Theory]
    [MemberData(nameof(RoutingTricks))]
    public async Task Open_relay_trick_is_refused_at_RCPT(string path)
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        await client.CommandAsync("EHLO test");
        Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
        string reply = (await client.CommandAsync($"RCPT TO:{path}"))!;
        Assert.True(reply.StartsWith('5'), $"RCPT TO:{path} got {reply}");
        Assert.StartsWith("503", await client.CommandAsync("DATA"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.99", "<bob@customer.example>")]
    [InlineData("127.0.0.99", "<alice@acme.example>")]
    [InlineData("127.0.0.11", "<postmaster@customer.example>")]
    [InlineData("127.0.0.99", "<user%victim.example@acme.example>")]
    public async Task Unknown_client_cannot_relay_to_anyone(string local, string path)
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint, local);
        await client.ReplyAsync();
        await client.CommandAsync("EHLO test");
        await client.CommandAsync("MAIL FROM:<alice@acme.example>");
        Assert.StartsWith("554 5.7.1", await client.CommandAsync($"RCPT TO:{path}"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.99")]
    [InlineData("127.0.0.10")]
    public async Task Unreadable_MAIL_FROM_is_refused_whoever_sends_it(string local)
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint, local);
        await client.ReplyAsync();
        await client.CommandAsync("EHLO test");
        string reply = (await client.CommandAsync("MAIL FROM:<<alice@acme.example>>"))!;
        Assert.Matches("^5[0-9][0-9] 5\\.1\\.7 ", reply);
        Assert.StartsWith("503", await client.CommandAsync("RCPT TO:<bob@customer.example>"), StringComparison.Ordinal);
    }

    /// <summary>SMTP smuggling: a fake end of data followed by a second, smuggled transaction.</summary>
    public static TheoryData<string, string> SmugglingVariants() => new()
    {
        { "LF.LF", "\n.\n" },
        { "CR.CR", "\r.\r" },
        { "LF.CRLF", "\n.\r\n" },
        { "CR.CRLF", "\r.\r\n" },
        { "CRLF.LF", "\r\n.\n" },
        { "CRLF.CR", "\r\n.\r" },
        { "LF.CR", "\n.\r" },
        { "CR.LF", "\r.\n" },
        { "CRLF.CRCRLF", "\r\n.\r\r\n" },
    };

    [Theory]
    [MemberData(nameof(SmugglingVariants))]
    public async Task Smuggled_end_of_data_neither_ends_nor_splits_the_message(string name, string fakeEnd)
    {
        await using var sink = TestSink.StartNew();
        await using var relay = await TestRelay.StartAsync($"smtp://127.0.0.1:{sink.Port}");
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        await client.CommandAsync("EHLO test");
        await client.CommandAsync("MAIL FROM:<alice@acme.example>");
        await client.CommandAsync("RCPT TO:<bob@customer.example>");
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        await client.SendAsync("From: alice@acme.example\r\nTo: bob@customer.example\r\n\r\nfirst" + fakeEnd +
            "MAIL FROM:<alice@acme.example>\r\nRCPT TO:<smuggled@victim.example>\r\nDATA\r\nFrom: alice@acme.example\r\n\r\nsmuggled\r\n.\r\n");
        string reply = (await client.ReplyAsync())!;
        Assert.True(reply.StartsWith("550 5.6.0", StringComparison.Ordinal), $"{name}: {reply}");
        Assert.StartsWith("250", await client.CommandAsync("NOOP"), StringComparison.Ordinal); // nothing else was answered in between
        await Task.Delay(300);
        Assert.Empty(relay.Host.Spool.List());
        Assert.Empty(sink.Messages);
    }

    [Theory]
    [InlineData("NOOP\n")]
    [InlineData("NOOP\rRSET\r\n")]
    [InlineData("MAIL FROM:<alice@acme.example>\n")]
    public async Task Bare_LF_or_CR_in_a_command_is_refused(string command)
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        await client.CommandAsync("EHLO test");
        await client.SendAsync(command);
        Assert.StartsWith("500 5.5.2", await client.ReplyAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_is_answered_then_disconnected_with_421_after_too_many_errors()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        var replies = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            replies.Add((await client.CommandAsync($"\u0001GARBAGE\u00ff{i} \0 x"))!);
        }

        Assert.All(replies, r => Assert.StartsWith("5", r, StringComparison.Ordinal));
        Assert.StartsWith("421 4.7.0", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("close=\"too many errors\"", relay.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overlong_command_line_is_answered_421_and_closed_without_buffering_it()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        await client.SendAsync(new string('A', 100_000));
        Assert.StartsWith("421 4.5.0", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Overlong_data_line_refuses_the_message_but_keeps_the_session()
    {
        await using var relay = await TestRelay.StartAsync(limits: "data_line_bytes: 1000, command_timeout: 2s, data_timeout: 2s");
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        await client.CommandAsync("EHLO test");
        await client.CommandAsync("MAIL FROM:<alice@acme.example>");
        await client.CommandAsync("RCPT TO:<bob@customer.example>");
        await client.CommandAsync("DATA");
        Assert.StartsWith("550 5.5.6", await client.CommandAsync("From: alice@acme.example\r\n\r\n" + new string('x', 5000) + "\r\n."), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync("NOOP"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silent_client_is_timed_out_while_another_session_delivers()
    {
        await using var relay = await TestRelay.StartAsync();
        using var silent = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        Assert.StartsWith("220", await silent.ReplyAsync(), StringComparison.Ordinal);
        using var garbage = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await garbage.SendAsync(Encoding.Latin1.GetBytes(new string('\0', 10_000)));

        using (var client = await Clients.MailKitAsync(relay.Endpoint))
        {
            await client.SendAsync(Clients.Message());
            await client.DisconnectAsync(true);
        }

        Assert.True(await TestRelay.EventuallyAsync(() => Directory.Exists(relay.Outbox) && Directory.GetFiles(relay.Outbox, "*.eml").Length == 1, TimeSpan.FromSeconds(10)));
        Assert.StartsWith("421 4.4.2", await silent.ReplyAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
        Assert.True(await silent.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Connections_beyond_the_per_IP_limit_get_421()
    {
        await using var relay = await TestRelay.StartAsync(limits: "max_connections_per_ip: 2, command_timeout: 5s");
        using var first = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        using var second = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        Assert.StartsWith("220", await first.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("220", await second.ReplyAsync(), StringComparison.Ordinal);
        using var third = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        Assert.StartsWith("421 4.7.0", await third.ReplyAsync(), StringComparison.Ordinal);
        using var other = await RawSmtpClient.ConnectAsync(relay.Endpoint, "127.0.0.20");
        Assert.StartsWith("220", await other.ReplyAsync(), StringComparison.Ordinal);
    }
}
