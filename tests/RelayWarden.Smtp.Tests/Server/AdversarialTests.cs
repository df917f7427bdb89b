using System.Net.Sockets;
using System.Text;
using RelayWarden.Smtp.Tests.Infrastructure;
using RelayWarden.TestSupport;

namespace RelayWarden.Smtp.Tests.Server;

/// <summary>
/// Broken and hostile SMTP clients over real loopback sockets, beyond <see cref="HostileInputTests"/>: every
/// command answered or the session closed with a reply, nothing accepted that was not acknowledged, nobody else harmed.
/// </summary>
public sealed class AdversarialTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    private const string Body = "From: alice@acme.example\r\nTo: bob@customer.example\r\nSubject: t\r\n\r\nhello\r\n";

    private static async Task<RawSmtpClient> GreetedAsync(TestRelay relay, string local = "127.0.0.10")
    {
        var client = await RawSmtpClient.ConnectAsync(relay.Endpoint, local);
        Assert.StartsWith("220", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync("EHLO test"), StringComparison.Ordinal);
        return client;
    }

    private static int Outboxed(TestRelay relay) => Directory.Exists(relay.Outbox) ? Directory.GetFiles(relay.Outbox, "*.eml").Length : 0;

    [Fact]
    public async Task Recipients_beyond_the_limit_pipelined_in_one_write_get_452_and_the_message_goes_to_the_accepted_ones()
    {
        // max_recipients 5 and max_errors 5 in the test configuration: RFC 5321 4.5.3.1.10 says the client sends the
        // refused recipients in a later transaction, so "too many recipients" must not end the session as errors do.
        await using var relay = await TestRelay.StartAsync();
        using var client = await GreetedAsync(relay);
        var pipeline = new StringBuilder("MAIL FROM:<alice@acme.example>\r\n");
        for (int i = 0; i < 12; i++)
        {
            pipeline.Append(System.Globalization.CultureInfo.InvariantCulture, $"RCPT TO:<r{i}@customer.example>\r\n");
        }

        await client.SendAsync(pipeline.Append("DATA\r\n").ToString());
        Assert.StartsWith("250 2.1.0", await client.ReplyAsync(), StringComparison.Ordinal);
        for (int i = 0; i < 12; i++)
        {
            Assert.StartsWith(i < 5 ? "250 2.1.5" : "452 4.5.3", await client.ReplyAsync(), StringComparison.Ordinal);
        }

        Assert.StartsWith("354", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0 Ok: queued as", await client.CommandAsync(Body + "."), StringComparison.Ordinal);
        Assert.True(await TestRelay.EventuallyAsync(() => Outboxed(relay) == 1, Generous));
    }

    [Fact]
    public async Task Endless_too_many_recipients_still_end_the_session()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await GreetedAsync(relay);
        await client.CommandAsync("MAIL FROM:<alice@acme.example>");
        var pipeline = new StringBuilder();
        for (int i = 0; i < 100; i++)
        {
            pipeline.Append(System.Globalization.CultureInfo.InvariantCulture, $"RCPT TO:<r{i}@customer.example>\r\n");
        }

        await client.SendAsync(pipeline.ToString());
        string? reply;
        int replies = 0;
        while ((reply = await client.ReplyAsync()) is not null && !reply.StartsWith("421", StringComparison.Ordinal))
        {
            replies++;
        }

        Assert.StartsWith("421 4.7.0", reply, StringComparison.Ordinal);
        Assert.True(replies < 100, $"{replies} replies before 421");
        Assert.True(await client.IsClosedAsync(Generous));
    }

    [Fact]
    public async Task Commands_pipelined_after_the_final_dot_in_the_same_write_are_each_answered_after_the_message()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await GreetedAsync(relay);
        await client.SendAsync("MAIL FROM:<alice@acme.example>\r\nRCPT TO:<bob@customer.example>\r\nDATA\r\n");
        Assert.StartsWith("250", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.ReplyAsync(), StringComparison.Ordinal);
        await client.SendAsync(Body + ".\r\n\u0001GARBAGE\u00ff\r\nRCPT TO:<bob@customer.example>\r\nNOOP\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("500 5.5.2", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("503 5.5.1", await client.ReplyAsync(), StringComparison.Ordinal); // the transaction ended with the dot
        Assert.StartsWith("250 2.0.0 Ok", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.True(await TestRelay.EventuallyAsync(() => Outboxed(relay) == 1, Generous));
    }

    [Fact]
    public async Task A_whole_transaction_sent_one_byte_per_write_is_read_the_same()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        foreach (byte b in Encoding.ASCII.GetBytes("EHLO test\r\nMAIL FROM:<alice@acme.example>\r\nRCPT TO:<bob@customer.example>\r\nDATA\r\n" + Body + ".\r\nQUIT\r\n"))
        {
            await client.SendAsync([b]);
        }

        var replies = new List<string>();
        string? reply;
        while ((reply = await client.ReplyAsync()) is not null)
        {
            replies.Add(reply[..3]);
        }

        Assert.Equal(["250", "250", "250", "354", "250", "221"], replies);
        Assert.True(await TestRelay.EventuallyAsync(() => Outboxed(relay) == 1, Generous));
    }

    [Theory]
    [InlineData("MAIL FROM:<alice\0@acme.example>")]
    [InlineData("MAIL FROM:<alice@acme.example\0>")]
    [InlineData("MAIL FROM:<ali\u00e7e@acme.example> \u00ff")]
    public async Task NUL_and_8_bit_octets_in_MAIL_are_refused_and_the_session_goes_on(string command)
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await GreetedAsync(relay);
        byte[] bytes = [.. Encoding.Latin1.GetBytes(command), .. "\r\n"u8];
        await client.SendAsync(bytes);
        Assert.StartsWith("5", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUTH_with_broken_base64_or_cancelled_is_refused_and_a_good_AUTH_still_works()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await GreetedAsync(relay, "127.0.0.99");
        Assert.StartsWith("501 5.5.2", await client.CommandAsync("AUTH PLAIN !!!not-base64!!!"), StringComparison.Ordinal);
        Assert.StartsWith("501 5.5.2", await client.CommandAsync("AUTH PLAIN " + Convert.ToBase64String("only-one-field"u8)), StringComparison.Ordinal);
        Assert.StartsWith("334", await client.CommandAsync("AUTH LOGIN"), StringComparison.Ordinal);
        Assert.StartsWith("501 5.7.0", await client.CommandAsync("*"), StringComparison.Ordinal);
        Assert.StartsWith("334", await client.CommandAsync("AUTH PLAIN"), StringComparison.Ordinal);
        Assert.StartsWith("501 5.7.0", await client.CommandAsync("*"), StringComparison.Ordinal);
        string plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0relay-bot@acme.example\0{TestRelay.Password}"));
        Assert.StartsWith("235 2.7.0", await client.CommandAsync("AUTH PLAIN " + plain), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_guessing_is_cut_with_421_after_three_failed_AUTH()
    {
        await using var relay = await TestRelay.StartAsync(limits: "command_timeout: 2s, data_timeout: 2s, max_errors: 50");
        using var client = await GreetedAsync(relay, "127.0.0.99");
        for (int i = 0; i < 2; i++)
        {
            Assert.StartsWith("535 5.7.8", await client.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0relay-bot@acme.example\0guess{i}"))), StringComparison.Ordinal);
        }

        // The third failure ends the session even though the error limit is far away; the right password comes too late.
        await client.SendAsync("AUTH PLAIN " + Convert.ToBase64String("\0relay-bot@acme.example\0guess2"u8) + "\r\nAUTH PLAIN " +
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0relay-bot@acme.example\0{TestRelay.Password}")) + "\r\n");
        Assert.StartsWith("535 5.7.8", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("421 4.7.0", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.Null(await client.ReplyAsync());
        Assert.Contains("close=\"too many AUTH failures\"", relay.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_overlong_AUTH_response_closes_with_421_and_its_tail_is_never_run_as_commands()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await GreetedAsync(relay, "127.0.0.99");
        Assert.StartsWith("334", await client.CommandAsync("AUTH LOGIN"), StringComparison.Ordinal);

        // The tail of the over-long answer looks like commands: it must not be read as such.
        await client.SendAsync(new string('A', 10_000) + "\r\nVRFY root\r\nNOOP\r\n");
        Assert.StartsWith("421 4.5.0", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.Null(await client.ReplyAsync());
    }

    [Fact]
    public async Task A_client_that_half_closes_in_the_middle_of_DATA_has_nothing_accepted()
    {
        await using var relay = await TestRelay.StartAsync(limits: "command_timeout: 30s, data_timeout: 30s, max_errors: 5");
        var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.10"), 0));
        await socket.ConnectAsync(relay.Endpoint);
        using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("EHLO test\r\nMAIL FROM:<alice@acme.example>\r\nRCPT TO:<bob@customer.example>\r\nDATA\r\n" + Body));
        socket.Shutdown(SocketShutdown.Send); // no final dot, ever
        string transcript = await ReadToEndAsync(stream);
        Assert.Contains("354 ", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("queued", transcript, StringComparison.Ordinal);
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Log.Contains("close=\"io: IOException\"", StringComparison.Ordinal), Generous), relay.Log);
        Assert.Empty(relay.Host.Spool.List());
        Assert.Equal(0, Outboxed(relay));

        // The other connection opened before is still served.
        Assert.StartsWith("250", await client.CommandAsync("EHLO other"), StringComparison.Ordinal);
        client.Dispose();
    }

    [Fact]
    public async Task A_client_that_half_closes_right_after_the_final_dot_still_gets_its_250()
    {
        // An accepted message must be acknowledged: else the client retries and the message goes out twice.
        await using var relay = await TestRelay.StartAsync();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.10"), 0));
        await socket.ConnectAsync(relay.Endpoint);
        using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("EHLO test\r\nMAIL FROM:<alice@acme.example>\r\nRCPT TO:<bob@customer.example>\r\nDATA\r\n" + Body + ".\r\n"));
        socket.Shutdown(SocketShutdown.Send);
        string transcript = await ReadToEndAsync(stream);
        Assert.Contains("250 2.0.0 Ok: queued as", transcript, StringComparison.Ordinal);
        Assert.True(await TestRelay.EventuallyAsync(() => Outboxed(relay) == 1, Generous));
    }

    [Fact]
    public async Task QUIT_in_the_middle_of_a_pipeline_ends_the_session_there()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await GreetedAsync(relay);
        await client.SendAsync("NOOP\r\nQUIT\r\nMAIL FROM:<alice@acme.example>\r\nRCPT TO:<bob@customer.example>\r\n");
        Assert.StartsWith("250", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("221", await client.ReplyAsync(), StringComparison.Ordinal);
        Assert.Null(await client.ReplyAsync()); // nothing after QUIT was run
    }

    [Fact]
    public async Task BDAT_is_not_offered_and_is_refused()
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint);
        await client.ReplyAsync();
        Assert.DoesNotContain("CHUNKING", await client.CommandAsync("EHLO test"), StringComparison.Ordinal);
        await client.CommandAsync("MAIL FROM:<alice@acme.example>");
        await client.CommandAsync("RCPT TO:<bob@customer.example>");
        Assert.StartsWith("5", await client.CommandAsync("BDAT 5 LAST"), StringComparison.Ordinal);
        Assert.Empty(relay.Host.Spool.List());
    }

    [Fact]
    public async Task Idle_connections_at_the_limit_refuse_a_new_one_with_421_and_a_freed_slot_serves_the_next()
    {
        await using var relay = await TestRelay.StartAsync(limits: "max_connections: 3, command_timeout: 30s, data_timeout: 30s, max_errors: 5");
        var idle = new List<RawSmtpClient>();
        foreach (string local in new[] { "127.0.0.51", "127.0.0.52", "127.0.0.53" })
        {
            var client = await RawSmtpClient.ConnectAsync(relay.Endpoint, local);
            Assert.StartsWith("220", await client.ReplyAsync(), StringComparison.Ordinal);
            idle.Add(client);
        }

        using (var refused = await RawSmtpClient.ConnectAsync(relay.Endpoint, "127.0.0.54"))
        {
            Assert.StartsWith("421 4.7.0", await refused.ReplyAsync(), StringComparison.Ordinal);
            Assert.True(await refused.IsClosedAsync(Generous));
        }

        // Once a client leaves, a new one is served (the slot is free soon after its session ends).
        idle[0].Dispose();
        RawSmtpClient? fresh = null;
        var deadline = DateTime.UtcNow + Generous;
        while (fresh is null && DateTime.UtcNow < deadline)
        {
            var attempt = await RawSmtpClient.ConnectAsync(relay.Endpoint, "127.0.0.10");
            string? greeting = await attempt.ReplyAsync(Generous);
            if (greeting?.StartsWith("220", StringComparison.Ordinal) == true)
            {
                fresh = attempt;
                break;
            }

            Assert.StartsWith("421 4.7.0", greeting, StringComparison.Ordinal);
            attempt.Dispose();
            await Task.Delay(50);
        }

        Assert.NotNull(fresh);
        Assert.StartsWith("250", await fresh.CommandAsync("EHLO test"), StringComparison.Ordinal);
        fresh.Dispose();
        idle.ForEach(c => c.Dispose());
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(Generous);
        var text = new StringBuilder();
        byte[] buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (IOException)
        {
            // reset: what was read is the transcript
        }

        return text.ToString();
    }

    [Fact]
    public async Task Large_uploads_beyond_the_listeners_message_memory_get_452_and_the_memory_comes_back()
    {
        // 192 KiB of message memory for the whole listener: A holds 160 KiB of an unfinished message, so
        // B's 64 KiB message does not fit: 452 4.3.1 after B's final dot, nothing spooled, B's session goes on.
        await using var relay = await TestRelay.StartAsync(limits: "command_timeout: 30s, data_timeout: 30s, max_errors: 5, max_data_memory: 196608");
        string line = new string('a', 998) + "\r\n";
        string Lines(int count) => string.Concat(Enumerable.Repeat(line, count));

        using var a = await GreetedAsync(relay);
        Assert.StartsWith("250", await a.CommandAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await a.CommandAsync("RCPT TO:<bob@customer.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await a.CommandAsync("DATA"), StringComparison.Ordinal);
        await a.SendAsync("From: alice@acme.example\r\nTo: bob@customer.example\r\nSubject: big\r\n\r\n" + Lines(160));

        // A's session answers nothing until its dot: its share shows that its lines are read (three steps, all of it).
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.SmtpDataMemoryInUse == 196_608, Generous), $"in use {relay.Host.SmtpDataMemoryInUse}");

        using var b = await GreetedAsync(relay);
        Assert.StartsWith("250", await b.CommandAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await b.CommandAsync("RCPT TO:<carol@customer.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await b.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("452 4.3.1", await b.CommandAsync("From: alice@acme.example\r\nSubject: second\r\n\r\n" + Lines(64) + "."), StringComparison.Ordinal);
        Assert.Equal(0, Outboxed(relay));
        Assert.Contains("event=smtp.data-memory", relay.Log, StringComparison.Ordinal);

        // A finishes: its message is accepted, and its share comes back, so B's next try fits.
        Assert.StartsWith("250 2.0.0 Ok: queued as", await a.CommandAsync("."), StringComparison.Ordinal);
        Assert.StartsWith("250", await b.CommandAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await b.CommandAsync("RCPT TO:<carol@customer.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await b.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0 Ok: queued as", await b.CommandAsync("From: alice@acme.example\r\nSubject: again\r\n\r\n" + Lines(64) + "."), StringComparison.Ordinal);
        Assert.True(await TestRelay.EventuallyAsync(() => Outboxed(relay) == 2, Generous), $"{Outboxed(relay)} delivered");
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Host.SmtpDataMemoryInUse == 0, Generous), $"in use {relay.Host.SmtpDataMemoryInUse}"); // given back after each reply
    }
}
