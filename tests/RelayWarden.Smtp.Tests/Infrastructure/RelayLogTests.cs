using RelayWarden.TestSupport;

namespace RelayWarden.Smtp.Tests.Infrastructure;

/// <summary>The structured log line: logfmt, escaped, quoted, one whole line per event, nothing left over from the previous one.</summary>
public sealed class RelayLogTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 6, 1, 2, 345, TimeSpan.Zero);

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Each_event_is_one_logfmt_line_with_values_escaped_and_quoted()
    {
        // A CR LF becomes the two-character escapes \r \n, whose backslashes the quoting doubles: a
        // logfmt reader gets back the escapes as text, never a line break that could forge an event.
        var output = new ConcurrentStringWriter();
        var log = new RelayLog(output, new FixedTime());
        log.Write("smtp.decision", ("session", 42), ("stage", "smtp.data"), ("auth", null), ("reply", "550 5.7.1 \"no\" a\\b"),
            ("from", "evil\r\nevent=forged"), ("size", 1234L), ("c1", "\u0085x"));
        log.Write("smtp.session", ("session", 43));
        string[] lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(
            "time=2026-11-23T06:01:02.345Z event=smtp.decision session=42 stage=smtp.data reply=\"550 5.7.1 \\\"no\\\" a\\\\b\" from=\"evil\\\\r\\\\nevent=forged\" size=1234 c1=\\x85x",
            lines[0].TrimEnd('\r'));
        Assert.Equal("time=2026-11-23T06:01:02.345Z event=smtp.session session=43", lines[1].TrimEnd('\r'));
    }

    [Fact]
    public void Untrusted_text_is_cut_and_escaped_and_plain_text_is_kept_as_it_is()
    {
        const string plain = "alice@acme.example";
        Assert.Same(plain, RelayLog.Sanitize(plain));
        Assert.Equal("a\\tb\\x00", RelayLog.Sanitize("a\tb\0"));
        Assert.Equal(new string('x', 200) + "…", RelayLog.Sanitize(new string('x', 300)));
        Assert.Equal("\\x7f", RelayLog.Sanitize("\u007f"));
    }

    [Fact]
    public void Lines_from_many_threads_stay_whole()
    {
        var output = new ConcurrentStringWriter();
        var log = new RelayLog(output, new FixedTime());
        Parallel.For(0, 2000, i => log.Write("test.event", ("n", i), ("text", new string((char)('a' + (i % 26)), 1 + (i % 300)))));
        string[] lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2000, lines.Length);
        Assert.All(lines, line =>
        {
            var match = System.Text.RegularExpressions.Regex.Match(line.TrimEnd('\r'), "^time=\\S+ event=test.event n=(\\d+) text=([a-z]+)$");
            Assert.True(match.Success, line);
            int n = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(new string((char)('a' + (n % 26)), 1 + (n % 300)), match.Groups[2].Value);
        });
    }
}
