using System.Text;
using RelayWarden.LogHunt.Parsing;

namespace RelayWarden.LogHunt.Tests.Parsing;

public class SyslogHeaderTests
{
    private static (bool Ok, DateTimeOffset Time, string Host, string Program, string Pid, string Message, bool Exim) Parse(SyslogHeader header, string line)
    {
        bool ok = header.TryParse(Encoding.UTF8.GetBytes(line), out var parsed);
        return (ok, parsed.Time, Encoding.UTF8.GetString(parsed.Host), Encoding.UTF8.GetString(parsed.Program), Encoding.UTF8.GetString(parsed.Pid), Encoding.UTF8.GetString(parsed.Message), parsed.IsExim);
    }

    [Fact]
    public void Rfc3164_line_takes_the_year_of_the_reference_and_a_space_padded_day()
    {
        var header = new SyslogHeader();
        header.BeginSource(new DateTimeOffset(2026, 3, 10, 0, 0, 0, TimeSpan.Zero));
        var line = Parse(header, "Mar  2 08:00:01 mx1 postfix/smtpd[123]: 1A2B3C: client=x[10.0.0.1]");
        Assert.True(line.Ok);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 8, 0, 1, TimeSpan.Zero), line.Time);
        Assert.Equal(("mx1", "postfix/smtpd", "123", "1A2B3C: client=x[10.0.0.1]"), (line.Host, line.Program, line.Pid, line.Message));
    }

    [Fact]
    public void Rfc3164_dates_after_the_reference_belong_to_the_year_before_and_january_follows_december()
    {
        var header = new SyslogHeader();
        header.BeginSource(new DateTimeOffset(2027, 1, 1, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(2026, Parse(header, "Dec 31 23:59:59 mx postfix/qmgr[1]: x").Time.Year);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 1, TimeSpan.Zero), Parse(header, "Jan  1 00:00:01 mx postfix/qmgr[1]: x").Time);
    }

    [Fact]
    public void Maillog_file_fractions_and_zone_less_offsets_are_read()
    {
        var header = new SyslogHeader { FixedYear = 2026, ZonelessOffset = TimeSpan.FromHours(1) };
        header.BeginSource(DateTimeOffset.UnixEpoch);
        var line = Parse(header, "Nov 22 21:37:46.123456 mx postfix/smtpd[7812]: connect from localhost[127.0.0.1]");
        Assert.True(line.Ok);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 21, 37, 46, 123, TimeSpan.FromHours(1)).AddTicks(4560), line.Time);
    }

    [Fact]
    public void Iso8601_syslog_lines_carry_their_own_offset()
    {
        var header = new SyslogHeader();
        var line = Parse(header, "2026-11-22T21:37:46.500+01:00 mx2 postfix/cleanup[7817]: 68E76B1E068: message-id=<a@b>");
        Assert.True(line.Ok);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 20, 37, 46, 500, TimeSpan.Zero), line.Time.ToUniversalTime());
        Assert.Equal(("mx2", "postfix/cleanup", "7817"), (line.Host, line.Program, line.Pid));
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 21, 37, 46, TimeSpan.Zero), Parse(header, "2026-11-22T21:37:46Z mx postfix/qmgr[1]: x").Time);
    }

    [Fact]
    public void Rfc5424_lines_with_and_without_structured_data()
    {
        var header = new SyslogHeader();
        var plain = Parse(header, "<22>1 2026-11-22T21:37:46.1Z mx3 postfix/smtpd 7812 - - 68E76B1E068: client=a[10.0.0.9]");
        Assert.True(plain.Ok);
        Assert.Equal(("mx3", "postfix/smtpd", "7812", "68E76B1E068: client=a[10.0.0.9]"), (plain.Host, plain.Program, plain.Pid, plain.Message));
        var structured = Parse(header, "<22>1 2026-11-22T21:37:46Z mx3 postfix/qmgr 12 - [meta x=\"a\\]b\"][o y=\"1\"] 68E76B1E068: removed");
        Assert.True(structured.Ok);
        Assert.Equal("68E76B1E068: removed", structured.Message);
    }

    [Fact]
    public void Exim_mainlog_lines_with_zone_and_pid()
    {
        var header = new SyslogHeader();
        var line = Parse(header, "2026-11-22 21:37:46 +0100 [4711] 1rAbCd-0001Ab-Cd Completed");
        Assert.True(line.Ok);
        Assert.True(line.Exim);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 21, 37, 46, TimeSpan.FromHours(1)), line.Time);
        Assert.Equal("1rAbCd-0001Ab-Cd Completed", line.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("Foo 22 21:37:46 mx postfix/smtpd[1]: x")]
    [InlineData("Nov 32 21:37:46 mx postfix/smtpd[1]: x")]
    [InlineData("Nov 22 25:37:46 mx postfix/smtpd[1]: x")]
    [InlineData("Nov 22 21:37:46 mx")]
    [InlineData("2026-13-22T21:37:46Z mx postfix/smtpd[1]: x")]
    [InlineData("2026-11-22T21:37:46+99:00 mx postfix/smtpd[1]: x")]
    [InlineData("<22>1 2026-11-22T21:37:46Z mx")]
    [InlineData("<9999999>1 x")]
    [InlineData("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")]
    public void Garbage_is_refused_not_thrown(string line)
    {
        var header = new SyslogHeader { FixedYear = 2026 };
        Assert.False(Parse(header, line).Ok);
    }
}
