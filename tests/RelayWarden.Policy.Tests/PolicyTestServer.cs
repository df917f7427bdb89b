using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;

namespace RelayWarden.Policy.Tests;

/// <summary>A policy server on 127.0.0.1 with a small directory: acme (192.0.2.0/24, login alice), a self-service trial (198.51.100.0/24).</summary>
internal sealed class PolicyTestServer : IAsyncDisposable
{
    public PolicyTestServer(PolicyOptions? options = null, PolicyLimits? limits = null, RelayWarden.Core.Monitor.IMonitorGate? monitor = null)
    {
        var directory = TenantDirectory.Build(
        [
            new Tenant
            {
                Id = "acme", Domains = [new DomainClaim("acme.example")], Networks = [IPNetwork.Parse("192.0.2.0/24")],
                Users = [new TenantUser("alice@acme.example", null)],
            },
            new Tenant { Id = "globex", Domains = [new DomainClaim("globex.example")] },
            new Tenant { Id = "trial-1", Kind = TenantKind.Trial, Domains = [new DomainClaim("trial-1.example")], Networks = [IPNetwork.Parse("198.51.100.0/24")] },
        ], out var errors);
        Assert.Empty(errors);
        var engine = new SenderAuthorization(directory, Blocklist.Empty, options ?? PolicyOptions.Default, TimeProvider.System);
        Server = new PolicyServer(new IPEndPoint(IPAddress.Loopback, 0), new PolicyDecider(() => engine, monitor, TimeProvider.System), limits ?? PolicyLimits.Default, NullLogger.Instance);
        Server.Start();
    }

    public PolicyServer Server { get; }

    public async Task<Connection> ConnectAsync()
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(Server.LocalEndPoint);
        return new Connection(client);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    /// <summary>Postfix's request for one RCPT, with the attributes it sends.</summary>
    public static string Rcpt(string client, string sender, string recipient, string? login = null, string state = "RCPT") =>
        $"request=smtpd_access_policy\nprotocol_state={state}\nprotocol_name=ESMTP\nclient_address={client}\nclient_name=mua.example\n" +
        $"reverse_client_name=mua.example\nhelo_name=mua.example\nsender={sender}\nrecipient={recipient}\nrecipient_count=0\nqueue_id=\n" +
        $"instance=1a2b.3c4d.5e6f.0\nsize=0\netrn_domain=\nstress=\nsasl_method={(login is null ? "" : "PLAIN")}\nsasl_username={login}\nsasl_sender=\n" +
        "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nencryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\nencryption_keysize=256\n\n";

    internal sealed class Connection : IDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;

        public Connection(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
            _stream.ReadTimeout = 5000;
        }

        public Task SendAsync(string text) => _stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

        public Task SendBytesAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

        public async Task SendBytewiseAsync(string text)
        {
            foreach (byte b in Encoding.UTF8.GetBytes(text))
            {
                await _stream.WriteAsync(new[] { b });
                await _stream.FlushAsync();
            }
        }

        /// <summary>Reads one answer (up to the blank line); null when the server closed.</summary>
        public async Task<string?> ReadAnswerAsync()
        {
            var bytes = new List<byte>();
            var one = new byte[1];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            while (true)
            {
                int n = await _stream.ReadAsync(one, timeout.Token);
                if (n == 0)
                {
                    return bytes.Count == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
                }

                bytes.Add(one[0]);
                if (bytes.Count >= 2 && bytes[^1] == '\n' && bytes[^2] == '\n')
                {
                    return Encoding.UTF8.GetString(bytes.ToArray(), 0, bytes.Count - 2);
                }
            }
        }

        public async Task<bool> IsClosedAsync()
        {
            var one = new byte[1];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                return await _stream.ReadAsync(one, timeout.Token) == 0;
            }
            catch (IOException)
            {
                return true;
            }
        }

        public void Dispose() => _client.Dispose();
    }
}
