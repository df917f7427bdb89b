using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RelayWarden.Mail.Addresses;

namespace RelayWarden.Mail.Tests.Addresses;

public class DomainNameTests
{
    [Theory]
    [InlineData("acme.example", "acme.example")]
    [InlineData("ACME.Example", "acme.example")]
    [InlineData("  acme.example", null)]
    [InlineData("mail.sub.acme.example", "mail.sub.acme.example")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("BÜCHER.EXAMPLE", "xn--bcher-kva.example")]
    [InlineData("XN--BCHER-KVA.example", "xn--bcher-kva.example")]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("аcme.example", "xn--cme-5cd.example")]
    [InlineData("例え.テスト", "xn--r8jz45g.xn--zckzah")]
    [InlineData("コーヒー.example", "xn--tck2c4fb.example")]
    [InlineData("пример.рф", "xn--e1afmkfd.xn--p1ai")]
    [InlineData("ελληνικά.example", "xn--hxargifdar.example")]
    [InlineData("straße.example", "xn--strae-oqa.example")]
    [InlineData("globex\uFF0Eexample", "globex.example")]
    [InlineData("globex\u3002example", "globex.example")]
    [InlineData("a-b.example", "a-b.example")]
    [InlineData("123.example", "123.example")]
    public void Valid_names_normalize_to_lower_case_A_labels(string input, string? expected)
    {
        bool ok = DomainName.TryNormalize(input, out var normalized, out var error);
        if (expected is null)
        {
            Assert.False(ok);
            return;
        }

        Assert.True(ok, $"{input}: {error}");
        Assert.Equal(expected, normalized);
        Assert.Equal(DomainError.None, error);
    }

    [Theory]
    [InlineData("", DomainError.Empty)]
    [InlineData("acme.example.", DomainError.TrailingDot)]
    [InlineData("bücher.example.", DomainError.TrailingDot)]
    [InlineData("[192.0.2.1]", DomainError.AddressLiteral)]
    [InlineData("a..example", DomainError.EmptyLabel)]
    [InlineData(".acme.example", DomainError.EmptyLabel)]
    [InlineData("localhost", DomainError.SingleLabel)]
    [InlineData("ac_me.example", DomainError.NotLdh)]
    [InlineData("-acme.example", DomainError.NotLdh)]
    [InlineData("acme-.example", DomainError.NotLdh)]
    [InlineData("ab--cd.example", DomainError.NotLdh)]
    [InlineData("acme example", DomainError.NotLdh)]
    [InlineData("xn--zz.example", DomainError.InvalidIdn)]
    [InlineData("bu\u0308cher.example", DomainError.InvalidIdn)]
    [InlineData("ｇｌｏｂｅｘ.example", DomainError.InvalidIdn)]
    [InlineData("ac\u200Dme.example", DomainError.InvalidIdn)]
    [InlineData("ⓖlobex.example", DomainError.InvalidIdn)]
    [InlineData("ﬁnance.example", DomainError.InvalidIdn)]
    [InlineData("ᵍlobex.example", DomainError.InvalidIdn)]
    public void Invalid_names_are_refused_with_their_reason(string input, DomainError expected)
    {
        Assert.False(DomainName.TryNormalize(input, out var normalized, out var error));
        Assert.Equal(expected, error);
        Assert.Equal(string.Empty, normalized);
        Assert.NotEqual("valid", DomainName.Describe(error));
    }

    [Fact]
    public void A_63_octet_label_is_allowed_and_a_64_octet_label_is_not()
    {
        Assert.True(DomainName.TryNormalize(new string('a', 63) + ".example", out _, out _));
        Assert.False(DomainName.TryNormalize(new string('a', 64) + ".example", out _, out var error));
        Assert.Equal(DomainError.LabelTooLong, error);
    }

    [Fact]
    public void A_253_octet_name_is_allowed_and_a_254_octet_name_is_not()
    {
        string Name(int length)
        {
            var labels = new List<string>();
            int left = length;
            while (left > 0)
            {
                int take = Math.Min(63, left == 64 ? 62 : left);
                labels.Add(new string('a', take));
                left -= take + 1;
            }

            return string.Join('.', labels);
        }

        string ok = Name(253);
        Assert.Equal(253, ok.Length);
        Assert.True(DomainName.TryNormalize(ok, out _, out var error), error.ToString());
        string tooLong = Name(254);
        Assert.Equal(254, tooLong.Length);
        Assert.False(DomainName.TryNormalize(tooLong, out _, out error));
        Assert.Equal(DomainError.NameTooLong, error);
        Assert.False(DomainName.TryNormalize(new string('a', 300) + ".example", out _, out error));
        Assert.Equal(DomainError.NameTooLong, error);
    }

    [Fact]
    public void The_allocation_free_path_agrees_and_defers_non_ASCII()
    {
        Span<char> buffer = stackalloc char[DomainName.MaxLength];
        Assert.True(DomainName.TryNormalizeAscii("Mail.ACME.example", buffer, out int written, out var error));
        Assert.Equal("mail.acme.example", buffer[..written].ToString());
        Assert.False(DomainName.TryNormalizeAscii("bücher.example", buffer, out _, out error));
        Assert.Equal(DomainError.None, error);
    }

    [Fact]
    public void ToUnicode_shows_people_the_U_label()
    {
        Assert.Equal("bücher.example", DomainName.ToUnicode("xn--bcher-kva.example"));
        Assert.Equal("not..valid", DomainName.ToUnicode("not..valid"));
    }

    private static readonly string[] s_pieces =
    [
        "a", "B", "z", "0", "9", "-", ".", "xn--", "acme", "ACME", "example", "ü", "Ü", "а", "ß", "σ", "例", "\u0308", "ｇ", "\u3002", "_", " ", "[", "--",
    ];

    public static class Names
    {
        public static Arbitrary<string> Strings() =>
            Gen.ListOf(Gen.Elements(s_pieces)).Select(parts => string.Concat(parts)).ToArbitrary();
    }

    [Property(Arbitrary = [typeof(Names)], MaxTest = 3000)]
    public bool Normalization_is_idempotent_and_yields_lower_case_LDH(string input)
    {
        if (!DomainName.TryNormalize(input, out var once, out _))
        {
            return true;
        }

        return DomainName.TryNormalize(once, out var twice, out var error) && error == DomainError.None && twice == once &&
            once.Length <= DomainName.MaxLength && once.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.');
    }

    [Property(Arbitrary = [typeof(Names)], MaxTest = 2000)]
    public bool Case_never_changes_the_normalized_name(string input)
    {
        bool lower = DomainName.TryNormalize(input.ToLowerInvariant(), out var a, out _);
        bool upper = DomainName.TryNormalize(input.ToUpperInvariant(), out var b, out _);
        return lower == upper && a == b;
    }
}
