using System.Text;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Mail.Tests.Headers;

public class HeaderBlockTests
{
    private static HeaderBlock Read(string text, HeaderLimits? limits = null) => HeaderBlock.Read(Encoding.UTF8.GetBytes(text), limits ?? HeaderLimits.Default);

    private static string Value(string text, RawField field) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text), field.ValueStart, field.ValueLength);

    [Fact]
    public void A_CRLF_block_is_read_up_to_the_blank_line()
    {
        const string text = "From: a@acme.example\r\nSubject: hi\r\nMessage-ID: <1@acme.example>\r\n\r\nFrom: body@globex.example\r\n";
        var block = Read(text);

        Assert.Equal(HeaderDefect.None, block.Defect);
        Assert.False(block.LineFeedOnly);
        Assert.Equal(3, block.FieldCount);
        Assert.Equal(1, block.Count(IdentityHeader.From));
        Assert.Equal(" a@acme.example", Value(text, block.First(IdentityHeader.From)!.Value));
        Assert.Equal(" hi", Value(text, block.Subject!.Value));
        Assert.Equal(" <1@acme.example>", Value(text, block.MessageId!.Value));
        Assert.Equal(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2, block.Length);
    }

    [Fact]
    public void An_LF_file_is_read_like_a_CRLF_one()
    {
        const string text = "From: a@acme.example\nSender:\n b@acme.example\n\nbody\n";
        var block = Read(text);

        Assert.Equal(HeaderDefect.None, block.Defect);
        Assert.True(block.LineFeedOnly);
        Assert.Equal(1, block.Count(IdentityHeader.Sender));
        Assert.Equal("\n b@acme.example", Value(text, block.First(IdentityHeader.Sender)!.Value));
        Assert.Equal(2, block.First(IdentityHeader.Sender)!.Value.Line);
    }

    [Fact]
    public void A_folded_value_keeps_its_folding_and_excludes_the_final_line_break()
    {
        const string text = "From: Acme\r\n News\r\n\t<a@acme.example>\r\nTo: x@y.example\r\n\r\n";
        var block = Read(text);
        Assert.Equal(" Acme\r\n News\r\n\t<a@acme.example>", Value(text, block.First(IdentityHeader.From)!.Value));
    }

    [Fact]
    public void Identity_fields_are_counted_whatever_their_case()
    {
        var block = Read("From: a@acme.example\r\nFROM: b@acme.example\r\nsender: c@acme.example\r\nRESENT-from: d@acme.example\r\n\r\n");
        Assert.Equal(2, block.Count(IdentityHeader.From));
        Assert.Equal(1, block.Count(IdentityHeader.Sender));
        Assert.Equal(1, block.Count(IdentityHeader.ResentFrom));
    }

    [Fact]
    public void Only_the_topmost_resent_block_counts()
    {
        const string text = "Resent-From: a@acme.example\r\nResent-Sender: s@acme.example\r\nReceived: x\r\nResent-From: b@globex.example\r\nResent-Sender: t@globex.example\r\nFrom: c@acme.example\r\n\r\n";
        var block = Read(text);

        Assert.True(block.HasResentBlock);
        Assert.Equal(1, block.Count(IdentityHeader.ResentFrom));
        Assert.Equal(1, block.Count(IdentityHeader.ResentSender));
        Assert.Equal(" a@acme.example", Value(text, block.First(IdentityHeader.ResentFrom)!.Value));
        Assert.Equal(" s@acme.example", Value(text, block.First(IdentityHeader.ResentSender)!.Value));
    }

    [Fact]
    public void A_message_without_resent_fields_has_no_resent_block()
    {
        Assert.False(Read("From: a@acme.example\r\n\r\n").HasResentBlock);
    }

    [Fact]
    public void Headers_of_an_attached_message_are_never_seen()
    {
        var block = Read("From: a@acme.example\r\nContent-Type: message/rfc822\r\n\r\nFrom: b@globex.example\r\nSender: c@globex.example\r\n\r\n");
        Assert.Equal(1, block.Count(IdentityHeader.From));
        Assert.Equal(0, block.Count(IdentityHeader.Sender));
    }

    [Theory]
    [InlineData("From: a@acme.example\r\nX: 1\rFrom: b@globex.example\r\n\r\n", HeaderDefect.BareCarriageReturn, 2)]
    [InlineData("From: a@acme.example\r\nX: 1\nFrom: b@globex.example\r\n\r\n", HeaderDefect.BareLineFeed, 2)]
    [InlineData("From: a@acme.example\nX: 1\r\nFrom: b@globex.example\n\n", HeaderDefect.BareCarriageReturn, 2)]
    [InlineData("X: 1\r\nFrom: a@acme.example\0b@globex.example\r\n\r\n", HeaderDefect.Nul, 2)]
    [InlineData("From a@acme.example Mon Apr 21 2025\r\nFrom: a@acme.example\r\n\r\n", HeaderDefect.LineWithoutColon, 1)]
    [InlineData(" From: b@globex.example\r\nFrom: a@acme.example\r\n\r\n", HeaderDefect.ContinuationWithoutField, 1)]
    [InlineData("X: 1\r\n: no name\r\n\r\n", HeaderDefect.InvalidFieldName, 2)]
    [InlineData("X: 1\r\nX-Ünicode: y\r\n\r\n", HeaderDefect.InvalidFieldName, 2)]
    [InlineData("X: 1\r\nY: 2\r\nFrom : b@globex.example\r\n\r\n", HeaderDefect.SpaceBeforeColon, 3)]
    [InlineData("X: 1\r\nResent-Sender\t: b@globex.example\r\n\r\n", HeaderDefect.SpaceBeforeColon, 2)]
    public void Defects_are_reported_with_their_line(string text, HeaderDefect defect, int line)
    {
        var block = Read(text);
        Assert.Equal(defect, block.Defect);
        Assert.Equal(line, block.DefectLine);
    }

    [Fact]
    public void Space_before_the_colon_of_an_ordinary_field_is_tolerated()
    {
        Assert.Equal(HeaderDefect.None, Read("Subject : hi\r\nFrom: a@acme.example\r\n\r\n").Defect);
    }

    [Fact]
    public void The_first_defect_is_kept()
    {
        var block = Read("X: 1\r\nY: 2\rZ\r\nFrom : a@acme.example\r\n\r\n");
        Assert.Equal(HeaderDefect.BareCarriageReturn, block.Defect);
        Assert.Equal(2, block.DefectLine);
    }

    [Fact]
    public void An_identity_line_longer_than_998_octets_is_a_defect_but_other_lines_are_not()
    {
        string longValue = new('x', 1000);
        Assert.Equal(HeaderDefect.LineTooLong, Read($"From: \"{longValue}\" <a@acme.example>\r\n\r\n").Defect);
        Assert.Equal(HeaderDefect.LineTooLong, Read($"From: a@acme.example\r\n ({longValue})\r\n\r\n").Defect);
        Assert.Equal(HeaderDefect.None, Read($"X-Long: {longValue}\r\nFrom: a@acme.example\r\n\r\n").Defect);
    }

    [Fact]
    public void Limits_on_fields_and_size_are_enforced_while_reading()
    {
        var many = new StringBuilder();
        for (int i = 0; i < 20; i++)
        {
            many.Append("X-").Append(i).Append(": v\r\n");
        }

        var block = Read(many + "From: a@acme.example\r\n\r\n", new HeaderLimits { MaxFields = 10 });
        Assert.Equal(HeaderDefect.TooManyFields, block.Defect);
        Assert.Equal(11, block.DefectLine);

        block = Read(many + "From: a@acme.example\r\n\r\n", new HeaderLimits { MaxHeaderBytes = 50 });
        Assert.Equal(HeaderDefect.TooLarge, block.Defect);
    }

    [Fact]
    public void A_block_without_a_blank_line_is_read_to_the_end()
    {
        const string text = "From: a@acme.example\r\nSubject: x";
        var block = Read(text);
        Assert.Equal(HeaderDefect.None, block.Defect);
        Assert.Equal(text.Length, block.Length);
        Assert.Equal(" x", Value(text, block.Subject!.Value));
    }

    [Fact]
    public void An_empty_message_has_no_fields()
    {
        var block = Read(string.Empty);
        Assert.Equal(0, block.FieldCount);
        Assert.Null(block.First(IdentityHeader.From));
    }
}
