using RelayWarden.Hosting.Reports;

namespace RelayWarden.Hosting.Tests.Reports;

/// <summary>RFC 4180 quoting and spreadsheet formula neutralization.</summary>
public sealed class CsvWriterTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData("lf\nonly", "\"lf\nonly\"")]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+33 1 23", "'+33 1 23")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")]
    [InlineData("a=b", "a=b")]
    [InlineData("bob@example.org", "bob@example.org")]
    public void Cells_are_quoted_and_neutralized(string? value, string expected) => Assert.Equal(expected, CsvWriter.Escape(value));

    [Fact]
    public void Rows_end_with_crlf_and_numbers_and_times_are_not_neutralized()
    {
        using var output = new StringWriter();
        new CsvWriter(output).Row("a", null, "c").Number(-5).Time(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2))).Time(null).EndRow();
        Assert.Equal("a,,c\r\n-5,2026-01-02T01:04:05.000Z,\r\n", output.ToString());
    }
}
