using RelayWarden.Core.Policy;
using RelayWarden.Mail.Addresses;

namespace RelayWarden.Core.Tests.Policy;

public class ConfusablesTests
{
    [Theory]
    [InlineData("аcme.example", "acme.example")]
    [InlineData("glοbex.example", "globex.example")]
    [InlineData("mail.аcme.example", "mail.acme.example")]
    [InlineData("ρаураl.example", "paypal.example")]
    public void Look_alike_IDN_domains_have_an_ASCII_skeleton(string unicode, string skeleton)
    {
        Assert.True(DomainName.TryNormalize(unicode, out var normalized, out _));
        Assert.Equal(skeleton, Confusables.Skeleton(normalized));
    }

    [Theory]
    [InlineData("acme.example")]
    [InlineData("例え.example")]
    public void Plain_ASCII_and_unmapped_scripts_have_none(string name)
    {
        Assert.True(DomainName.TryNormalize(name, out var normalized, out _));
        Assert.Null(Confusables.Skeleton(normalized));
    }
}
