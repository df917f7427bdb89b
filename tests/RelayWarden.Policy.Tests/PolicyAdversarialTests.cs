using System.Net.Sockets;
using System.Text;

namespace RelayWarden.Policy.Tests;

/// <summary>Hostile or broken peers on real loopback sockets: each gets a clear answer or is dropped, and nobody else waits.</summary>
public sealed class PolicyAdversarialTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_peer_that_never_reads_its_answers_harms_no_other_connection_and_is_dropped_after_the_idle_timeout(int loops)
    {
        await using var server = new PolicyTestServer(limits: new PolicyLimits { EventLoops = loops, IdleTimeout = TimeSpan.FromSeconds(2) });

        // Valid requests of a stage before MAIL (answered DUNNO, no error), pipelined without ever reading:
        // the server's send buffer and the peer's receive buffer fill.
        var hostile = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await hostile.ConnectAsync(server.Server.LocalEndPoint);
        byte[] chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("request=smtpd_access_policy\nprotocol_state=CONNECT\n\n", 6000)));
        using var stopWriting = new CancellationTokenSource(Generous);
        var flood = Task.Run(async () =>
        {
            for (int i = 0; i < 400; i++) // at most ~125 MB of requests, ~34 MB of answers: more than any socket buffer holds
            {
                await hostile.SendAsync(chunk, SocketFlags.None, stopWriting.Token);
            }
        });

        await Task.Delay(200); // let the buffers fill
        using var other = await server.ConnectAsync();
        await other.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=DUNNO", await other.ReadAnswerAsync());

        // The peer that reads nothing is cut once nothing moved for the idle timeout (its writes then fail).
        var ended = await Task.WhenAny(flood, Task.Delay(Generous));
        Assert.Same(flood, ended);
        await Assert.ThrowsAnyAsync<Exception>(() => flood);
        Assert.False(stopWriting.IsCancellationRequested, "the server never dropped the peer that does not read");
        hostile.Dispose();

        using var late = await server.ConnectAsync(); // the first one may have idled out meanwhile
        await late.SendAsync(PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=554 5.7.1 Relay access denied", await late.ReadAnswerAsync());
    }

    [Fact]
    public async Task Ten_megabytes_without_a_newline_are_refused_at_the_line_limit_not_buffered()
    {
        await using var server = new PolicyTestServer();
        using var hostile = await server.ConnectAsync();
        byte[] megabyte = new byte[1 << 20];
        megabyte.AsSpan().Fill((byte)'a');
        var flood = Task.Run(async () =>
        {
            await hostile.SendAsync("sender=");
            for (int i = 0; i < 10; i++)
            {
                await hostile.SendBytesAsync(megabyte);
            }
        });

        Assert.Equal("action=DEFER_IF_PERMIT 4.3.5 RelayWarden: attribute line longer than 4096 octets", await hostile.ReadAnswerAsync());
        Assert.True(await hostile.IsClosedAsync());
        await Task.WhenAny(flood, Task.Delay(Generous)); // the rest of the flood fails against the closed connection
        using var other = await server.ConnectAsync();
        await other.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=DUNNO", await other.ReadAnswerAsync());
    }

    [Fact]
    public async Task Thousands_of_attributes_in_one_request_are_answered_once_and_the_connection_goes_on()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        var request = new StringBuilder("request=smtpd_access_policy\n");
        for (int i = 0; i < 5000; i++)
        {
            request.Append("x").Append(i).Append("=y\n");
        }

        await connection.SendAsync(request.Append('\n').ToString());
        Assert.Equal("action=DEFER_IF_PERMIT 4.3.5 RelayWarden: more than 100 attributes", await connection.ReadAnswerAsync());
        await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task A_repeated_attribute_keeps_its_first_value_so_a_later_line_cannot_override_the_client()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        string request = PolicyTestServer.Rcpt("203.0.113.9", "alice@acme.example", "bob@customer.example");
        await connection.SendAsync(request[..^1] + "client_address=192.0.2.10\n\n");
        Assert.Equal("action=554 5.7.1 Relay access denied", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task Invalid_UTF8_and_control_bytes_in_values_get_a_printable_ASCII_answer()
    {
        await using var server = new PolicyTestServer();
        using var connection = await server.ConnectAsync();
        byte[] type = [.. "request="u8, 0xC3, 0x28, 0xFF, .. "\r\rlooks-like-a-second-line-"u8, .. Enumerable.Repeat((byte)'z', 40), .. "\n\n"u8];
        await connection.SendBytesAsync(type);
        string answer = (await connection.ReadAnswerAsync())!;
        Assert.StartsWith("action=DEFER_IF_PERMIT 4.3.5 RelayWarden: unsupported request '", answer, StringComparison.Ordinal);
        Assert.All(answer, c => Assert.True(c is >= ' ' and <= '~', $"answer has character U+{(int)c:X4}: {answer}"));

        // A sender that is not UTF-8 is judged like any other (refused here: an unknown client), never a crash.
        string request = PolicyTestServer.Rcpt("203.0.113.9", "SENDER", "bob@customer.example");
        int at = request.IndexOf("SENDER", StringComparison.Ordinal);
        await connection.SendBytesAsync([.. Encoding.ASCII.GetBytes(request[..at]), 0xFF, 0xFE, .. "@acme.example"u8, .. Encoding.ASCII.GetBytes(request[(at + 6)..])]);
        Assert.StartsWith("action=", await connection.ReadAnswerAsync(), StringComparison.Ordinal);
        await connection.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=DUNNO", await connection.ReadAnswerAsync());
    }

    [Fact]
    public async Task A_request_cut_off_by_the_peer_gets_no_answer_and_the_server_goes_on()
    {
        await using var server = new PolicyTestServer();
        var cut = await server.ConnectAsync();
        await cut.SendAsync("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.10\n");
        cut.Dispose();
        Assert.True(await EventuallyAsync(() => server.Server.Connections == 0), $"{server.Server.Connections} connections left open");
        Assert.Equal(0, server.Server.Requests);

        using var other = await server.ConnectAsync();
        await other.SendAsync(PolicyTestServer.Rcpt("192.0.2.10", "alice@acme.example", "bob@customer.example"));
        Assert.Equal("action=DUNNO", await other.ReadAnswerAsync());
    }

    [Fact]
    public async Task Many_requests_interleaved_on_many_persistent_connections_each_get_their_own_answer_in_order()
    {
        await using var server = new PolicyTestServer();
        var connections = new List<PolicyTestServer.Connection>();
        for (int i = 0; i < 8; i++)
        {
            connections.Add(await server.ConnectAsync());
        }

        // Each connection pipelines 100 requests alternating allowed and refused, all at once; the answers must not mix.
        await Task.WhenAll(connections.Select((c, n) => c.SendAsync(string.Concat(Enumerable.Range(0, 100).Select(i =>
            PolicyTestServer.Rcpt((i + n) % 2 == 0 ? "192.0.2.10" : "203.0.113.9", "alice@acme.example", $"r{i}@customer.example"))))));
        await Task.WhenAll(connections.Select(async (c, n) =>
        {
            for (int i = 0; i < 100; i++)
            {
                Assert.Equal((i + n) % 2 == 0 ? "action=DUNNO" : "action=554 5.7.1 Relay access denied", await c.ReadAnswerAsync());
            }
        }));
        Assert.Equal(800, server.Server.Requests);
        connections.ForEach(c => c.Dispose());
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }
}
