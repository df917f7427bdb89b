using System.Buffers.Binary;

namespace RelayWarden.Milter.Tests;

/// <summary>Broken or hostile MTAs on real loopback sockets: a clear tempfail or close for that connection, nobody else harmed.</summary>
public sealed class MilterAdversarialTests
{
    [Theory]
    [InlineData(0u)]
    [InlineData(4097u)]
    public async Task A_length_of_zero_or_just_over_the_limit_is_answered_tempfail_and_closes_only_that_connection(uint length)
    {
        var (server, _) = MilterTestClient.StartServer(limits: new MilterLimits { MaxPacketBytes = 4096 });
        await using var _ = server;
        using var good = await MilterTestClient.ConnectAsync(server);
        await good.NegotiateAsync();
        using var hostile = await MilterTestClient.ConnectAsync(server);
        await hostile.NegotiateAsync();
        byte[] packet = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(packet, length);
        packet[4] = (byte)'L';
        await hostile.SendRawAsync(packet);
        var reply = await hostile.ReadAsync();
        Assert.NotNull(reply);
        Assert.Equal((byte)'t', reply.Value.Command);
        Assert.Null(await hostile.ReadAsync()); // closed after the tempfail

        await NormalMessageIsServedAsync(good);
    }

    [Fact]
    public async Task A_packet_of_exactly_the_limit_is_read_and_the_conversation_goes_on()
    {
        var (server, _) = MilterTestClient.StartServer(limits: new MilterLimits { MaxPacketBytes = 4096 });
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await NormalMessageIsServedAsync(mta);

        // 1 command octet + "X-Pad\0" + value + "\0" = 4096.
        Assert.Equal("(no reply)", await mta.HeaderAsync("X-Pad", new string('p', 4096 - 1 - 6 - 1)));
        await mta.HeaderAsync("From", " alice@acme.example");
        Assert.Equal("a", await mta.EndOfHeadersAsync());
    }

    [Theory]
    [InlineData(0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu)]
    [InlineData(2u, 0u, 0u)]
    public async Task Absurd_negotiation_offers_get_only_what_both_sides_know(uint version, uint actions, uint protocol)
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        byte[] offer = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(offer, version);
        BinaryPrimitives.WriteUInt32BigEndian(offer.AsSpan(4), actions);
        BinaryPrimitives.WriteUInt32BigEndian(offer.AsSpan(8), protocol);
        await mta.SendAsync((byte)'O', offer);
        var reply = await mta.ReadAsync();
        Assert.NotNull(reply);
        Assert.Equal((byte)'O', reply.Value.Command);
        var data = reply.Value.Data;
        Assert.Equal(Math.Min(version, MilterProtocol.Version), BinaryPrimitives.ReadUInt32BigEndian(data));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4)) & ~actions); // never an action not offered
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(8)) & ~protocol); // never a step not offered
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4)) & ~(MilterProtocol.ActionQuarantine | MilterProtocol.ActionSetSymbolList | MilterProtocol.ActionAddHeaders));
        Assert.NotEmpty(await mta.AskAsync((byte)'R', MilterTestClient.Z("<bob@customer.example>"))); // still talking
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 1 }, "version 1 (no such protocol)")]
    [InlineData(new byte[] { 0, 0, 0, 6, 0, 0 }, "a short negotiation packet")]
    public async Task A_negotiation_we_cannot_speak_closes_that_connection(byte[] offer, string what)
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.SendAsync((byte)'O', offer);
        Assert.True(await mta.IsClosedAsync(), what);
        using var other = await MilterTestClient.ConnectAsync(server);
        await other.NegotiateAsync();
    }

    [Fact]
    public async Task Unterminated_macro_strings_and_a_stage_only_macro_packet_do_not_break_the_session()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await mta.SendAsync((byte)'D', []);                                         // no stage at all
        await mta.SendAsync((byte)'D', [(byte)'M']);                                // a stage, nothing else
        await mta.SendAsync((byte)'D', [(byte)'M', .. "{auth_authen}"u8]);          // a name without NUL nor value
        await mta.SendAsync((byte)'D', [(byte)'M', .. "{client_addr}\0192.0.2.10"u8]); // a value without its NUL
        await mta.SendAsync((byte)'M', MilterTestClient.Z("<alice@acme.example>"));
        Assert.Equal("c", await mta.RcptAsync("<bob@customer.example>"));
    }

    [Fact]
    public async Task Events_out_of_order_are_answered_never_crash()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync(); // the body was negotiated away
        Assert.Equal("c", await mta.AskAsync((byte)'B', "a body chunk nobody asked for"u8.ToArray()));

        // End of headers with no MAIL and no client: the engine judges an empty envelope, from nowhere, and refuses it.
        Assert.StartsWith("y:5", await mta.EndOfHeadersAsync(), StringComparison.Ordinal);
        Assert.Equal(["c"], await mta.EndOfMessageAsync());
        Assert.NotEmpty(await mta.RcptAsync("<bob@customer.example>")); // RCPT without MAIL: answered
        await mta.SendAsync((byte)'A', []); // abort with nothing to abort: no reply
        await NormalMessageIsServedAsync(mta);
    }

    [Fact]
    public async Task Header_events_beyond_the_header_limit_are_refused_552_at_end_of_headers_and_the_next_message_is_clean()
    {
        var (server, _) = MilterTestClient.StartServer(limits: new MilterLimits { MaxHeaderBytes = 2048 });
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync();
        await NormalMessageIsServedAsync(mta);
        await mta.HeaderAsync("From", " alice@acme.example");
        for (int i = 0; i < 30; i++)
        {
            await mta.HeaderAsync("X-Filler", " " + new string('f', 100));
        }

        Assert.Equal("y:552 5.3.4 Message header too large", await mta.EndOfHeadersAsync());
        await mta.SendAsync((byte)'A', []);
        await mta.MailAsync("<alice@acme.example>");
        Assert.Equal("c", await mta.RcptAsync("<bob@customer.example>"));
        await mta.HeaderAsync("From", " alice@acme.example");
        Assert.Equal("a", await mta.EndOfHeadersAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_peer_that_stalls_in_the_middle_of_a_packet_does_not_delay_another_connection(int loops)
    {
        var (server, _) = MilterTestClient.StartServer(limits: new MilterLimits { EventLoops = loops });
        await using var _ = server;
        using var stalled = await MilterTestClient.ConnectAsync(server);
        await stalled.NegotiateAsync();
        await stalled.SendRawAsync([0, 0, 0, 40, (byte)'R', (byte)'<', (byte)'b']); // promises 40 octets, sends 2, then waits

        using var other = await MilterTestClient.ConnectAsync(server);
        await other.NegotiateAsync();
        await NormalMessageIsServedAsync(other);
        Assert.Equal(2, server.Connections);

        // The stalled packet, once complete, is read as one: its answer is the only one.
        byte[] rest = [.. "ob@customer.example>\0"u8];
        await stalled.SendRawAsync([.. rest, .. new byte[40 - 1 - 2 - rest.Length]]);
        var reply = await stalled.ReadAsync();
        Assert.NotNull(reply);
    }

    [Fact]
    public async Task Quit_in_the_middle_of_a_pipelined_write_ends_it_there()
    {
        var (server, _) = MilterTestClient.StartServer();
        await using var _ = server;
        using var mta = await MilterTestClient.ConnectAsync(server);
        await mta.NegotiateAsync(protocolOffer: 0); // every event answered
        byte[] Packet(byte command, byte[] data)
        {
            byte[] packet = new byte[5 + data.Length];
            BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + data.Length));
            packet[4] = command;
            data.CopyTo(packet, 5);
            return packet;
        }

        await mta.SendRawAsync([.. Packet((byte)'U', MilterTestClient.Z("NOOP")), .. Packet((byte)'Q', []), .. Packet((byte)'U', MilterTestClient.Z("NOOP"))]);
        var first = await mta.ReadAsync();
        Assert.NotNull(first);
        Assert.Equal((byte)'c', first.Value.Command);
        Assert.Null(await mta.ReadAsync()); // nothing answered after QUIT: closed
        Assert.True(await EventuallyAsync(() => server.Connections == 0));
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
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

    /// <summary>A normal message's envelope from an authorized client: the connection still serves it.</summary>
    private static async Task NormalMessageIsServedAsync(MilterTestClient mta)
    {
        await mta.ConnectEventAsync("192.0.2.10");
        await mta.MailAsync("<alice@acme.example>");
        Assert.Equal("c", await mta.RcptAsync("<bob@customer.example>"));
    }
}
