using RelayWarden.Mail.Addresses;

namespace RelayWarden.Mail.Tests.Addresses;

public class MailboxTests
{
    [Fact]
    public void Mailboxes_compare_without_regard_to_case()
    {
        Assert.True(Mailbox.TryParse(" Alice@ACME.example ", out var a, out _));
        Assert.True(Mailbox.TryParse("alice@acme.example", out var b, out _));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal("Alice@acme.example", a.Address);
        Assert.Equal("acme.example", a.Domain);
    }

    [Theory]
    [InlineData("<alice@acme.example>")]
    [InlineData("alice")]
    [InlineData("alice@acme.example.")]
    [InlineData("@acme.example")]
    public void Configuration_addresses_must_be_plain_addr_specs(string text)
    {
        Assert.False(Mailbox.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }
}
