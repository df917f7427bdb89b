using System.Text;
using RelayWarden.Mail.Addresses;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Mail.Tests.Headers;

public class AddressFieldReaderTests
{
    private static AddressField Read(string value, IdentityHeader header = IdentityHeader.From) => Read(Encoding.UTF8.GetBytes(value), header);

    private static AddressField Read(byte[] value, IdentityHeader header = IdentityHeader.From)
    {
        // Read from the middle of a larger buffer, as the engine does.
        var buffer = new byte[value.Length + 8];
        value.CopyTo(buffer, 4);
        return AddressFieldReader.Read(header, buffer, 4, value.Length);
    }

    [Theory]
    [InlineData(" alice@acme.example", "alice@acme.example", "")]
    [InlineData(" Alice <alice@acme.example>", "alice@acme.example", "Alice")]
    [InlineData(" \"Alice Smith\" <alice@acme.example>", "alice@acme.example", "Alice Smith")]
    [InlineData(" \"Smith, Alice\" <alice@acme.example>", "alice@acme.example", "Smith, Alice")]
    [InlineData(" alice@acme.example (Alice)", "alice@acme.example", "Alice")]
    [InlineData(" Alice\r\n <alice@acme.example>", "alice@acme.example", "Alice")]
    [InlineData(" =?utf-8?q?J=C3=BCrgen?= <j@acme.example>", "j@acme.example", "Jürgen")]
    [InlineData(" =?UTF-8?B?0JDQu9C40YHQsA==?= <a@acme.example>", "a@acme.example", "Алиса")]
    [InlineData(" <ALICE@ACME.EXAMPLE>", "ALICE@acme.example", "")]
    [InlineData(" \"news.letter\"@acme.example", "news.letter@acme.example", "")]
    [InlineData(" info@bücher.example", "info@xn--bcher-kva.example", "")]
    [InlineData(" Ünïcödé <u@acme.example>", "u@acme.example", "Ünïcödé")]
    public void Clear_fields_yield_normalized_mailboxes_and_decoded_names(string value, string address, string name)
    {
        var field = Read(value);

        Assert.True(field.IsClear, $"{field.Ambiguity}: {field.Detail}");
        var mailbox = Assert.Single(field.Mailboxes);
        Assert.Equal(address, mailbox.Mailbox!.Address);
        Assert.Equal(name, mailbox.DisplayName);
        Assert.Equal(IdentityHeader.From, field.Header);
    }

    [Theory]
    [InlineData(" =?utf-8?q?ceo=40globex.example?= <a@acme.example>", "ceo@globex.example")]
    [InlineData(" =?utf-8?q?J._M=C3=BCller?= <a@acme.example>", "J. Müller")]
    [InlineData(" =?utf-8?b?Y2VvQGdsb2JleC5leGFtcGxl?= <a@acme.example>", "ceo@globex.example")]
    [InlineData(" =?utf-8?q?=40globex.example?= =?utf-8?q?_support?= <a@acme.example>", "@globex.example  support")]
    public void Loosely_encoded_names_are_decoded_as_mail_readers_show_them(string value, string name)
    {
        var field = Read(value);
        Assert.True(field.IsClear, field.Detail);
        Assert.Equal(name, Assert.Single(field.Mailboxes).DisplayName);
    }

    [Fact]
    public void Several_From_mailboxes_are_all_read_in_order()
    {
        var field = Read(" a@acme.example, \"B\" <b@acme.example>,c@globex.example");
        Assert.True(field.IsClear);
        Assert.Equal(["a@acme.example", "b@acme.example", "c@globex.example"], field.Mailboxes.Select(m => m.Mailbox!.Address));
    }

    [Theory]
    [InlineData(" a@acme.example, b@acme.example", IdentityHeader.Sender)]
    [InlineData(" a@acme.example, b@acme.example", IdentityHeader.ResentSender)]
    public void A_single_mailbox_field_with_several_is_ambiguous(string value, IdentityHeader header)
    {
        var field = Read(value, header);
        Assert.Equal(AddressAmbiguity.SeveralMailboxes, field.Ambiguity);
        Assert.False(field.IsClear);
    }

    [Fact]
    public void Resent_From_may_hold_several_mailboxes()
    {
        Assert.True(Read(" a@acme.example, b@acme.example", IdentityHeader.ResentFrom).IsClear);
    }

    [Theory]
    [InlineData(" alice@acme.example.", DomainError.TrailingDot)]
    [InlineData(" alice@[192.0.2.1]", DomainError.AddressLiteral)]
    [InlineData(" alice@ac_me.example", DomainError.NotLdh)]
    [InlineData(" alice@xn--zz.example", DomainError.InvalidIdn)]
    [InlineData(" alice@localhost", DomainError.SingleLabel)]
    public void An_invalid_domain_is_clear_but_carries_its_error(string value, DomainError error)
    {
        var field = Read(value);
        Assert.True(field.IsClear, $"{field.Ambiguity}: {field.Detail}");
        var mailbox = Assert.Single(field.Mailboxes);
        Assert.Null(mailbox.Mailbox);
        Assert.Equal(error, mailbox.DomainError);
        Assert.Equal("alice", mailbox.LocalPart);
    }

    [Theory]
    [InlineData("", AddressAmbiguity.Empty)]
    [InlineData("   ", AddressAmbiguity.Empty)]
    [InlineData(" (just a comment)", AddressAmbiguity.Empty)]
    [InlineData(" Staff: a@acme.example;", AddressAmbiguity.Group)]
    [InlineData(" undisclosed-recipients:;", AddressAmbiguity.Group)]
    [InlineData(" <@globex.example:a@acme.example>", AddressAmbiguity.RouteAddress)]
    [InlineData(" (ceo@globex.example) a@acme.example", AddressAmbiguity.HiddenInComment)]
    [InlineData(" a@acme.example (<x>)", AddressAmbiguity.HiddenInComment)]
    [InlineData(" a@acme.example (a (nested) b)", AddressAmbiguity.HiddenInComment)]
    [InlineData(" a@acme.example (=?utf-8?q?x?=)", AddressAmbiguity.HiddenInComment)]
    [InlineData(" a@acme.example (\"q\")", AddressAmbiguity.HiddenInComment)]
    [InlineData(" \"ceo@globex.example\"@acme.example", AddressAmbiguity.HiddenInQuotedString)]
    [InlineData(" \"a\\\"b\"@acme.example", AddressAmbiguity.HiddenInQuotedString)]
    [InlineData(" \"=?utf-8?q?x?=\" <a@acme.example>", AddressAmbiguity.HiddenInQuotedString)]
    [InlineData(" <=?utf-8?q?ceo?=@acme.example>", AddressAmbiguity.EncodedWordInAddress)]
    [InlineData(" <a@=?utf-8?q?globex?=.example>", AddressAmbiguity.EncodedWordInAddress)]
    [InlineData(" \"<ceo@globex.example>\" <a@acme.example>", AddressAmbiguity.NameMimicsAddress)]
    [InlineData(" =?utf-8?q?=3Cceo=40globex=2Eexample=3E?= <a@acme.example>", AddressAmbiguity.NameMimicsAddress)]
    [InlineData(" =?utf-8?q?=3Cceo=40globex.example=3E?= <a@acme.example>", AddressAmbiguity.NameMimicsAddress)]
    [InlineData(" =?x-unknown?q?ceo=40globex.example?= <a@acme.example>", AddressAmbiguity.ParsersDisagree)]
    [InlineData(" =?utf-8?b?Y2Vv!!QGdsb2JleC5l.eGFtcGxl?= <a@acme.example>", AddressAmbiguity.ParsersDisagree)]
    [InlineData(" ceo@globex.example <a@acme.example>", AddressAmbiguity.Unparsable)]
    [InlineData(" <a@acme.example> <b@globex.example>", AddressAmbiguity.Unparsable)]
    [InlineData(" a@acme.example,", AddressAmbiguity.Unparsable)]
    [InlineData(" Alice", AddressAmbiguity.Unparsable)]
    [InlineData(" <a@acme.example", AddressAmbiguity.Unparsable)]
    [InlineData(" a@b@acme.example", AddressAmbiguity.Unparsable)]
    [InlineData(" \"unterminated <a@acme.example>", AddressAmbiguity.Unparsable)]
    [InlineData(" <a@acme\r\n .example>", AddressAmbiguity.Unparsable)]
    [InlineData(" \"Ali\u200Bce\" <a@acme.example>", AddressAmbiguity.InvisibleCharacter)]
    [InlineData(" \"\u202Eelpmaxe.xebolg\" <a@acme.example>", AddressAmbiguity.InvisibleCharacter)]
    [InlineData(" \"\u3164\" <a@acme.example>", AddressAmbiguity.InvisibleCharacter)]
    [InlineData(" a@ac\u200Dme.example", AddressAmbiguity.InvisibleCharacter)]
    [InlineData(" =?utf-8?q?Ali=E2=80=8Bce?= <a@acme.example>", AddressAmbiguity.InvisibleCharacter)]
    public void Constructs_that_readers_can_read_differently_are_ambiguous(string value, AddressAmbiguity expected)
    {
        var field = Read(value);
        Assert.Equal(expected, field.Ambiguity);
        Assert.Empty(field.Mailboxes);
        Assert.NotEmpty(field.Detail);
    }

    [Fact]
    public void Octets_that_are_not_UTF_8_are_ambiguous()
    {
        var field = Read([(byte)' ', (byte)'R', 0xC3, 0x28, (byte)' ', (byte)'<', (byte)'a', (byte)'@', (byte)'b', (byte)'.', (byte)'c', (byte)'>']);
        Assert.Equal(AddressAmbiguity.InvalidUtf8, field.Ambiguity);
    }

    [Theory]
    [InlineData(" x@acme.example\0")]
    [InlineData(" x@acme.example\u0007")]
    public void Control_characters_never_pass(string value) => Assert.False(Read(value).IsClear);
}
