using RelayWarden.Core.Records;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Core.Tests.Records;

/// <summary>The search keys of recorded identities and of search filters.</summary>
public sealed class RecordKeysTests
{
    [Theory]
    [InlineData("<>", "", null)]
    [InlineData("<> SIZE=10", "", null)]
    [InlineData("<Alice@ACME.example> SIZE=10 BODY=8BITMIME", "alice@acme.example", "acme.example")]
    [InlineData("<ceo@Bücher.example>", "ceo@xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("garbage <x@Odd_Host.example", "x@odd_host.example", "odd_host.example")]
    [InlineData("no address at all", null, null)]
    public void Reverse_path_keys(string mailFrom, string? address, string? domain) =>
        Assert.Equal((address, domain), RecordKeys.ReversePath(mailFrom));

    [Theory]
    [InlineData("<Bob@Customer.Example> NOTIFY=NEVER", "bob@customer.example", "customer.example")]
    [InlineData("bob@customer.example", "bob@customer.example", "customer.example")]
    public void Forward_path_keys(string recipient, string address, string domain) =>
        Assert.Equal((address, domain), RecordKeys.ForwardPath(recipient));

    [Theory]
    [InlineData("Globex Bank <security@globex.example>", "security@globex.example", "globex.example")]
    [InlineData("\"Security, Team\" <SECURITY@Globex.Example>, other@acme.example", "security@globex.example", "globex.example")]
    [InlineData("=?utf-8?q?Globex?= <security@globex.example>", "security@globex.example", "globex.example")]
    [InlineData("Globex <security@globex.example> (comment <x@acme.example>)", "security@globex.example", "globex.example")]
    [InlineData("", null, null)]
    public void From_keys_take_the_first_mailbox_even_of_an_ambiguous_field(string value, string? address, string? domain) =>
        Assert.Equal((address, domain), RecordKeys.HeaderMailbox(IdentityHeader.From, value));

    [Theory]
    [InlineData("Globex.Example", true, "globex.example")]
    [InlineData("@globex.example", true, "globex.example")]
    [InlineData("<Security@Globex.example>", true, "security@globex.example")]
    [InlineData("<>", true, "<>")]
    [InlineData("<>", false, null)]
    [InlineData("two words", true, null)]
    [InlineData("a@", true, null)]
    [InlineData("", true, null)]
    public void Filters_are_normalized_or_refused(string text, bool allowNull, string? key)
    {
        bool ok = RecordKeys.TryParseFilter(text, allowNull, out string parsed, out string error);
        Assert.Equal(key is not null, ok);
        if (key is not null)
        {
            Assert.Equal(key, parsed);
            Assert.True(RecordKeys.TryParseFilter(parsed, allowNull, out string again, out _));
            Assert.Equal(parsed, again); // idempotent
        }
        else
        {
            Assert.NotEmpty(error);
        }
    }

    [Fact]
    public void Matching_a_key_against_record_keys()
    {
        Assert.True(RecordKeys.Matches("globex.example", "a@globex.example", "globex.example"));
        Assert.False(RecordKeys.Matches("globex.example", "a@news.globex.example", "news.globex.example"));
        Assert.True(RecordKeys.Matches("a@globex.example", "a@globex.example", "globex.example"));
        Assert.False(RecordKeys.Matches("a@globex.example", "b@globex.example", "globex.example"));
        Assert.True(RecordKeys.Matches(RecordKeys.NullSender, "", null));
        Assert.False(RecordKeys.Matches(RecordKeys.NullSender, null, null));
    }
}
