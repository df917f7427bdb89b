using RelayWarden.Mail.Addresses;

namespace RelayWarden.Mail.Tests.Addresses;

public class SmtpPathTests
{
    [Theory]
    [InlineData("<>", true, null, "")]
    [InlineData("<> SIZE=100", true, null, "SIZE=100")]
    [InlineData("  <>  ", true, null, "")]
    [InlineData("<alice@acme.example>", true, "alice@acme.example", "")]
    [InlineData("<Alice@ACME.example> SIZE=1000 BODY=8BITMIME", true, "Alice@acme.example", "SIZE=1000 BODY=8BITMIME")]
    [InlineData("<ceo%globex.example@acme.example>", true, "ceo%globex.example@acme.example", "")]
    [InlineData("<\"john doe\"@acme.example>", true, "john doe@acme.example", "")]
    [InlineData("<info@bücher.example>", true, "info@xn--bcher-kva.example", "")]
    [InlineData("<δοκιμή@acme.example>", true, "δοκιμή@acme.example", "")]
    public void Reverse_paths_are_read_with_their_parameters(string argument, bool ok, string? address, string parameters)
    {
        Assert.Equal(ok, SmtpPath.TryParseReversePath(argument, allowBare: false, out var path, out var error, out _));
        Assert.Equal(PathError.None, error);
        Assert.Equal(address, path.Mailbox?.Address);
        Assert.Equal(address is null, path.IsNull);
        Assert.Equal(parameters, path.Parameters);
    }

    [Theory]
    [InlineData("", PathError.Syntax)]
    [InlineData("alice@acme.example", PathError.Syntax)]
    [InlineData("<alice@acme.example", PathError.Syntax)]
    [InlineData("<alice@acme.example>junk", PathError.Syntax)]
    [InlineData("<<alice@acme.example>>", PathError.Syntax)]
    [InlineData("<alice>", PathError.Syntax)]
    [InlineData("<@acme.example>", PathError.SourceRoute)]
    [InlineData("<@relay.example:alice@acme.example>", PathError.SourceRoute)]
    [InlineData("<\"ceo@globex.example\"@acme.example>", PathError.HiddenAddress)]
    [InlineData("<\"a\\\"b\"@acme.example>", PathError.HiddenAddress)]
    [InlineData("<\"=?utf-8?q?x?=\"@acme.example>", PathError.HiddenAddress)]
    [InlineData("<=?utf-8?q?ceo?=@acme.example>", PathError.HiddenAddress)]
    [InlineData("<a@b@acme.example>", PathError.HiddenAddress)]
    [InlineData("<alice@[192.0.2.1]>", PathError.InvalidDomain)]
    [InlineData("<alice@acme.example.>", PathError.InvalidDomain)]
    [InlineData("<alice@>", PathError.Syntax)]
    [InlineData("<.alice@acme.example>", PathError.Syntax)]
    [InlineData("<al..ice@acme.example>", PathError.Syntax)]
    [InlineData("<al ice@acme.example>", PathError.Syntax)]
    public void Bad_reverse_paths_are_refused_with_their_reason(string argument, PathError expected)
    {
        Assert.False(SmtpPath.TryParseReversePath(argument, allowBare: false, out _, out var error, out _));
        Assert.Equal(expected, error);
        Assert.NotEqual("valid", SmtpPath.Describe(error, DomainError.None));
    }

    [Theory]
    [InlineData("", true, null)]
    [InlineData("alice@acme.example", true, "alice@acme.example")]
    [InlineData("alice@acme.example SIZE=10", true, "alice@acme.example")]
    [InlineData("<alice@acme.example>", true, "alice@acme.example")]
    [InlineData("''", false, null)]
    [InlineData("a<b@acme.example", false, null)]
    public void Bare_reverse_paths_are_read_only_when_allowed(string argument, bool ok, string? address)
    {
        Assert.Equal(ok, SmtpPath.TryParseReversePath(argument, allowBare: true, out var path, out _, out _));
        Assert.Equal(address, path.Mailbox?.Address);
        if (argument.Length > 0 && argument[0] != '<')
        {
            Assert.False(SmtpPath.TryParseReversePath(argument, allowBare: false, out _, out _, out _));
        }
    }

    [Fact]
    public void The_invalid_domain_error_says_why()
    {
        Assert.False(SmtpPath.TryParseReversePath("<a@acme.example.>", false, out _, out var error, out var domainError));
        Assert.Equal(PathError.InvalidDomain, error);
        Assert.Equal(DomainError.TrailingDot, domainError);
        Assert.Equal("invalid domain: trailing dot", SmtpPath.Describe(error, domainError));
        Assert.False(SmtpPath.TryParseReversePath("<a@[192.0.2.1]>", false, out _, out _, out domainError));
        Assert.Equal(DomainError.AddressLiteral, domainError);
    }

    [Fact]
    public void Paths_longer_than_RFC_5321_allows_are_refused()
    {
        string local64 = new('a', 64);
        Assert.True(SmtpPath.TryParseReversePath($"<{local64}@acme.example>", false, out _, out _, out _));
        Assert.False(SmtpPath.TryParseReversePath($"<{local64}a@acme.example>", false, out _, out var error, out _));
        Assert.Equal(PathError.TooLong, error);

        string domain = string.Join('.', Enumerable.Repeat(new string('d', 60), 4)) + ".example";
        Assert.False(SmtpPath.TryParseReversePath($"<{local64}@{domain}>", false, out _, out error, out _));
        Assert.Equal(PathError.TooLong, error);
    }

    [Theory]
    [InlineData("<bob@customer.example>", "bob@customer.example", "")]
    [InlineData("<bob@customer.example> NOTIFY=NEVER ORCPT=rfc822;bob@customer.example", "bob@customer.example", "NOTIFY=NEVER ORCPT=rfc822;bob@customer.example")]
    [InlineData("<Bob@Customer.Example>", "Bob@customer.example", "")]
    public void Forward_paths_are_read_with_their_parameters(string argument, string address, string parameters)
    {
        Assert.True(SmtpPath.TryParseForwardPath(argument, false, out var mailbox, out var rest, out var error, out _), error.ToString());
        Assert.Equal(address, mailbox.Address);
        Assert.Equal(parameters, rest);
    }

    [Theory]
    [InlineData("<>", PathError.Syntax)]
    [InlineData("bob@customer.example", PathError.Syntax)]
    [InlineData("<bob%customer.example@acme.example>", PathError.RoutingCharacters)]
    [InlineData("<uucp!bob@acme.example>", PathError.RoutingCharacters)]
    [InlineData("<@relay.example:bob@customer.example>", PathError.SourceRoute)]
    [InlineData("<\"bob@customer.example\"@acme.example>", PathError.HiddenAddress)]
    [InlineData("<\"bob%customer.example\"@acme.example>", PathError.HiddenAddress)]
    [InlineData("<bob@[203.0.113.1]>", PathError.InvalidDomain)]
    public void Forward_paths_with_routing_tricks_are_refused(string argument, PathError expected)
    {
        Assert.False(SmtpPath.TryParseForwardPath(argument, false, out _, out _, out var error, out _));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void The_percent_hack_is_only_a_recipient_problem()
    {
        Assert.True(SmtpPath.TryParseMailbox("a%b@acme.example", PathKind.Reverse, out _, out _, out _));
        Assert.False(SmtpPath.TryParseMailbox("a%b@acme.example", PathKind.Forward, out _, out var error, out _));
        Assert.Equal(PathError.RoutingCharacters, error);
    }

    [Fact]
    public void A_bare_forward_path_is_read_when_allowed()
    {
        Assert.True(SmtpPath.TryParseForwardPath("bob@customer.example", true, out var mailbox, out _, out _, out _));
        Assert.Equal("bob@customer.example", mailbox.Address);
    }
}
