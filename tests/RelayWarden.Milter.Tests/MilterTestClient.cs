using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;

namespace RelayWarden.Milter.Tests;

/// <summary>Speaks the MTA side of the milter protocol as Postfix does (version 6, every event).</summary>
internal sealed class MilterTestClient : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private MilterTestClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true) { ReadTimeout = 5000 };
    }

    public bool Bytewise { get; set; }

    /// <summary>The protocol flags the milter chose (SMFIP_*), after <see cref="NegotiateAsync"/>.</summary>
    public uint Protocol { get; private set; }

    public static async Task<MilterTestClient> ConnectAsync(MilterServer server)
    {
        Socket socket;
        if (server.Address.StartsWith("unix:", StringComparison.Ordinal))
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(server.Address[5..]));
        }
        else
        {
            var endpoint = IPEndPoint.Parse(server.Address[5..]);
            socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(endpoint);
        }

        return new MilterTestClient(socket);
    }

    public static (MilterServer Server, SenderAuthorization Engine) StartServer(string address = "inet:127.0.0.1:0", PolicyOptions? options = null, MilterLimits? limits = null,
        RelayWarden.Core.Monitor.IMonitorGate? monitor = null)
    {
        var directory = TenantDirectory.Build(
        [
            new Tenant
            {
                Id = "acme", Domains = [new DomainClaim("acme.example")], Networks = [IPNetwork.Parse("192.0.2.0/24")],
                Users = [new TenantUser("alice@acme.example", null)],
            },
            new Tenant { Id = "globex", Domains = [new DomainClaim("globex.example")] },
            new Tenant
            {
                Id = "trial-p", Kind = TenantKind.Trial, CreatedBy = TenantCreator.Partner, Domains = [new DomainClaim("trial-p.example")],
                Networks = [IPNetwork.Parse("198.51.100.0/24")],
            },
        ], out var errors);
        Assert.Empty(errors);
        var engine = new SenderAuthorization(directory, Blocklist.Empty, options ?? PolicyOptions.Default, TimeProvider.System);
        var server = new MilterServer(address, () => engine, limits ?? MilterLimits.Default, NullLogger.Instance) { Monitor = monitor };
        server.Start();
        return (server, engine);
    }

    public async Task SendAsync(byte command, byte[] data)
    {
        byte[] packet = new byte[5 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + data.Length));
        packet[4] = command;
        data.CopyTo(packet, 5);
        if (Bytewise)
        {
            foreach (byte b in packet)
            {
                await _stream.WriteAsync(new[] { b });
            }
        }
        else
        {
            await _stream.WriteAsync(packet);
        }
    }

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    public async Task<(byte Command, byte[] Data)?> ReadAsync()
    {
        byte[] header = new byte[4];
        if (!await ReadExactlyAsync(header))
        {
            return null;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        byte[] body = new byte[length];
        if (!await ReadExactlyAsync(body))
        {
            return null;
        }

        return (body[0], body[1..]);
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        int read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
            }
            catch (IOException)
            {
                return false;
            }

            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    /// <summary>Sends a packet and returns the reply as a short text: "c", "y:550 5.7.1 ...", "q:reason".</summary>
    public async Task<string> AskAsync(byte command, byte[] data)
    {
        await SendAsync(command, data);
        var reply = await ReadAsync();
        Assert.NotNull(reply);
        return Describe(reply.Value);
    }

    public static string Describe((byte Command, byte[] Data) reply) =>
        reply.Data.Length == 0 ? ((char)reply.Command).ToString() : $"{(char)reply.Command}:{Encoding.UTF8.GetString(reply.Data).TrimEnd('\0')}";

    /// <summary>Option negotiation (Postfix 3.x offers every action, 0x1FF, and every protocol flag, 0x1FFFFF); returns the milter's reply data.</summary>
    public async Task<byte[]> NegotiateAsync(uint protocolOffer = 0x1FFFFF, uint actionsOffer = 0x1FF)
    {
        byte[] data = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(data, 6);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), actionsOffer);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(8), protocolOffer);
        await SendAsync((byte)'O', data);
        var reply = await ReadAsync();
        Assert.NotNull(reply);
        Assert.Equal((byte)'O', reply.Value.Command);
        Protocol = BinaryPrimitives.ReadUInt32BigEndian(reply.Value.Data.AsSpan(8));
        return reply.Value.Data;
    }

    /// <summary>Sends an event; when the milter negotiated "no reply" for it, returns "(no reply)" without reading.</summary>
    private async Task<string> EventAsync(byte command, byte[] data, uint noReplyFlag)
    {
        if ((Protocol & noReplyFlag) != 0)
        {
            await SendAsync(command, data);
            return "(no reply)";
        }

        return await AskAsync(command, data);
    }

    public static byte[] Z(params string[] parts) => Encoding.UTF8.GetBytes(string.Concat(parts.Select(p => p + "\0")));

    /// <summary>
    /// The SMTP client connected from <paramref name="ip"/>: the connect event, or, when the milter
    /// negotiated SMFIP_NOCONNECT, "(not sent)" and the address goes with every MAIL's macros as
    /// Postfix sends {client_addr} when it is on the MAIL macro list.
    /// </summary>
    public Task<string> ConnectEventAsync(string ip)
    {
        if ((Protocol & MilterProtocol.NoConnect) != 0)
        {
            _clientAddr = ip;
            return Task.FromResult("(not sent)");
        }

        return EventAsync((byte)'C', [.. Encoding.ASCII.GetBytes("mua.example\0"), (byte)'4', 0x30, 0x39, .. Encoding.ASCII.GetBytes(ip + "\0")], MilterProtocol.NoReplyConnect);
    }

    private string? _clientAddr;

    public Task MacrosAsync(char stage, params string[] pairs) => SendAsync((byte)'D', [(byte)stage, .. Z(pairs)]);

    /// <summary>MAIL: "(no reply)" when the milter negotiated SMFIP_NR_MAIL.</summary>
    public async Task<string> MailAsync(string from)
    {
        if (_clientAddr is { } ip)
        {
            await MacrosAsync('M', "{client_addr}", ip);
        }

        return await EventAsync((byte)'M', Z(from), MilterProtocol.NoReplyMail);
    }

    public Task<string> RcptAsync(string to) => AskAsync((byte)'R', Z(to));

    public Task<string> HeaderAsync(string name, string value) => EventAsync((byte)'L', Z(name, value), MilterProtocol.NoReplyHeader);

    public Task<string> EndOfHeadersAsync() => AskAsync((byte)'N', []);

    /// <summary>End of message: every reply until the final one (continue, accept, reject...).</summary>
    public async Task<List<string>> EndOfMessageAsync()
    {
        await SendAsync((byte)'E', []);
        var replies = new List<string>();
        while (true)
        {
            var reply = await ReadAsync();
            Assert.NotNull(reply);
            replies.Add(Describe(reply.Value));
            if (reply.Value.Command is (byte)'c' or (byte)'a' or (byte)'r' or (byte)'t' or (byte)'y' or (byte)'d')
            {
                return replies;
            }
        }
    }

    public async Task<bool> IsClosedAsync()
    {
        var reply = await ReadAsync();
        return reply is null || reply.Value.Command == (byte)'t';
    }

    public void Dispose() => _stream.Dispose();
}
