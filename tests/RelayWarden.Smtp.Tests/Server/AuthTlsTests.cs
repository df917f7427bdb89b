using RelayWarden.TestSupport;
using MailKit;
using MailKit.Security;
using RelayWarden.Smtp.Tests.Infrastructure;

namespace RelayWarden.Smtp.Tests.Server;

/// <summary>STARTTLS (generated certificate) and AUTH PLAIN/LOGIN with password hashes.</summary>
public sealed class AuthTlsTests
{
    [Fact]
    public async Task STARTTLS_then_AUTH_lets_an_unknown_address_relay_as_its_tenant()
    {
        await using var relay = await TestRelay.StartAsync(listenExtra: "  smtp_auth_without_tls: false\n");
        using var client = await Clients.MailKitAsync(relay.Endpoint, "127.0.0.99", SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Smtp.SmtpCapabilities.Authentication));
        await client.AuthenticateAsync("relay-bot@acme.example", TestRelay.Password);
        await client.SendAsync(Clients.Message());
        await client.DisconnectAsync(true);
        Assert.True(await TestRelay.EventuallyAsync(() => relay.Log.Contains("tls=yes", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), relay.Log);
        Assert.Contains("with ESMTPSA", File.ReadAllText(await OneOutboxFile(relay)), StringComparison.Ordinal);
        Assert.DoesNotContain(TestRelay.Password, relay.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUTH_is_not_offered_before_STARTTLS_unless_configured_for_loopback()
    {
        await using var relay = await TestRelay.StartAsync(listenExtra: "  smtp_auth_without_tls: false\n");
        using var client = await RawSmtpClient.ConnectAsync(relay.Endpoint, "127.0.0.99");
        await client.ReplyAsync();
        string ehlo = (await client.CommandAsync("EHLO test"))!;
        Assert.Contains("STARTTLS", ehlo, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH", ehlo, StringComparison.Ordinal);
        Assert.StartsWith("530 5.7.0", await client.CommandAsync("AUTH PLAIN AHJlbGF5LWJvdEBhY21lLmV4YW1wbGUAeA=="), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task AUTH_with_a_wrong_password_fails_with_535_and_the_right_one_succeeds(string mechanism)
    {
        await using var relay = await TestRelay.StartAsync();
        using var client = await Clients.MailKitAsync(relay.Endpoint, "127.0.0.99");
        client.AuthenticationMechanisms.RemoveWhere(m => m != mechanism);
        var error = await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("relay-bot@acme.example", "wrong"));
        await client.AuthenticateAsync("relay-bot@acme.example", TestRelay.Password);
        Assert.True(client.IsAuthenticated);
        Assert.Contains($"mechanism={mechanism} login=relay-bot@acme.example result=failed", relay.Log, StringComparison.Ordinal);
        Assert.NotNull(error);
    }

    [Fact]
    public async Task Commands_pipelined_after_STARTTLS_are_discarded_not_run_inside_TLS()
    {
        await using var relay = await TestRelay.StartAsync();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(relay.Endpoint);
        var plain = tcp.GetStream();
        var reader = new StreamReader(plain, System.Text.Encoding.ASCII);
        await reader.ReadLineAsync(); // 220
        await plain.WriteAsync("EHLO x\r\n"u8.ToArray());
        while ((await reader.ReadLineAsync())![3] == '-')
        {
        }

        // CVE-2011-0411: the injected VRFY (252) must not be answered inside the TLS session.
        await plain.WriteAsync("STARTTLS\r\nVRFY root\r\n"u8.ToArray());
        Assert.StartsWith("220 2.0.0", await reader.ReadLineAsync(), StringComparison.Ordinal);
        using var tls = new System.Net.Security.SslStream(plain, false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("relay.test");
        await tls.WriteAsync("NOOP\r\n"u8.ToArray());
        var secure = new StreamReader(tls, System.Text.Encoding.ASCII);
        Assert.Equal("250 2.0.0 Ok", await secure.ReadLineAsync());
        await tls.WriteAsync("MAIL FROM:<alice@acme.example>\r\n"u8.ToArray());
        Assert.StartsWith("503 5.5.1", await secure.ReadLineAsync(), StringComparison.Ordinal); // EHLO is needed again after STARTTLS
    }

    private static async Task<string> OneOutboxFile(TestRelay relay)
    {
        Assert.True(await TestRelay.EventuallyAsync(() => Directory.Exists(relay.Outbox) && Directory.GetFiles(relay.Outbox, "*.eml").Length == 1, TimeSpan.FromSeconds(10)));
        return Directory.GetFiles(relay.Outbox, "*.eml")[0];
    }
}
