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

    private static async Task<string> OneOutboxFile(TestRelay relay)
    {
        Assert.True(await TestRelay.EventuallyAsync(() => Directory.Exists(relay.Outbox) && Directory.GetFiles(relay.Outbox, "*.eml").Length == 1, TimeSpan.FromSeconds(10)));
        return Directory.GetFiles(relay.Outbox, "*.eml")[0];
    }
}
