using System.Net;
using System.Net.Sockets;
using System.Text;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests.Admin;

/// <summary>
/// A relay + console whose domain claims are checked against a private dnsmasq (authoritative for
/// <see cref="Zone"/>), with a raw SMTP probe from the acme tenant's network (127.0.0.10).
/// </summary>
public sealed class DirectoryConsoleFixture : IAsyncLifetime
{
    public const string Zone = "console.test";

    private TestConsole? _console;
    private DnsmasqServer? _dns;

    public TestConsole Console => _console ?? throw new InvalidOperationException("not started");

    public DnsmasqServer Dns => _dns ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _dns = DnsmasqServer.Start([Zone]);
        _console = await TestConsole.StartAsync(topExtra: $"domain_claims:\n  dns_servers: [\"{_dns.Address}\"]\n  dns_timeout: 2s\n  recheck_interval: \"off\"\n");
    }

    public async Task DisposeAsync()
    {
        if (_console is not null)
        {
            await _console.DisposeAsync();
        }

        _dns?.Dispose();
    }

    /// <summary>The relay's reply to <c>MAIL FROM:&lt;sender&gt;</c> from <paramref name="local"/> (a tenant's network), e.g. <c>250 ...</c> or <c>550 ...</c>.</summary>
    public async Task<string> MailFromAsync(string sender, string local = "127.0.0.10")
    {
        using var tcp = new TcpClient(new IPEndPoint(IPAddress.Parse(local), 0));
        await tcp.ConnectAsync(Console.Relay.Endpoint);
        using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await ReadReplyAsync(reader);
        await writer.WriteLineAsync("EHLO probe.test");
        await ReadReplyAsync(reader);
        await writer.WriteLineAsync($"MAIL FROM:<{sender}>");
        string reply = await ReadReplyAsync(reader);
        if (reply.StartsWith("250", StringComparison.Ordinal))
        {
            // RCPT is where the relay judges a client it knows; the verdict of MAIL is the first sign.
            await writer.WriteLineAsync("RCPT TO:<bob@customer.example>");
            reply = await ReadReplyAsync(reader);
        }

        await writer.WriteLineAsync("QUIT");
        return reply;
    }

    private static async Task<string> ReadReplyAsync(StreamReader reader)
    {
        while (true)
        {
            string line = await reader.ReadLineAsync() ?? throw new IOException("the relay closed the connection");
            if (line.Length < 4 || line[3] != '-')
            {
                return line;
            }
        }
    }
}
