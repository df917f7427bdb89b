using System.IO.Compression;
using System.Text;
using RelayWarden.LogHunt.Parsing;
using RelayWarden.LogHunt.Reading;

namespace RelayWarden.LogHunt.Tests.Reading;

public sealed class LogInputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rw-loghunt-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Rotated_sets_are_read_oldest_first()
    {
        var order = LogInput.Order(["/l/maillog", "-", "/l/maillog.1", "/l/maillog.2.gz", "/l/mail.log-20261121.gz", "/l/mail.log-20261120.gz", "/l/mail.log"]);
        Assert.Equal(["/l/mail.log-20261120.gz", "/l/mail.log-20261121.gz", "/l/mail.log", "/l/maillog.2.gz", "/l/maillog.1", "/l/maillog", "-"], order.Select(i => i.Path));
    }

    [Fact]
    public void Gzip_rotated_and_live_files_join_across_the_rotation_with_crlf_lines()
    {
        string rotated = Path.Combine(_directory, "maillog.1.gz");
        using (var gz = new GZipStream(File.Create(rotated), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(
                "Mar  2 08:00:00 mx postfix/smtpd[7]: ABC123: client=a[10.0.0.1], sasl_method=PLAIN, sasl_username=u\r\n" +
                "Mar  2 08:00:00 mx postfix/qmgr[3]: ABC123: from=<u@x.example>, size=10, nrcpt=1 (queue active)\r\n"));
        }

        string live = Path.Combine(_directory, "maillog");
        File.WriteAllText(live,
            "Mar  2 08:00:01 mx postfix/smtp[4]: ABC123: to=<v@z.example>, relay=z[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n" +
            "Mar  2 08:00:01 mx postfix/qmgr[3]: ABC123: removed");  // no final newline
        var sink = new PostfixLog.Collector();
        var statistics = new LogReplay { Year = 2026 }.Run(LogInput.Order([live, rotated]), sink, () => Stream.Null);
        var record = Assert.Single(sink.Completed);
        Assert.Equal(("u", "v@z.example"), (record.Login, record.Recipients[0].Address));
        Assert.Equal((4L, 0L, 0L), (statistics.Lines, statistics.Garbled, statistics.Unjoinable));
    }

    [Fact]
    public void Standard_input_is_read_and_over_long_lines_are_skipped_as_garbled()
    {
        string text = new string('x', 100_000) + "\nMar  2 08:00:00 mx postfix/qmgr[3]: ABC123: removed\n";
        var sink = new PostfixLog.Collector();
        var statistics = new LogReplay { Year = 2026 }.Run([new LogInput("-")], sink, () => new MemoryStream(Encoding.UTF8.GetBytes(text)));
        Assert.Equal((2L, 1L, 1L), (statistics.Lines, statistics.Garbled, statistics.Unjoinable));
    }

    [Fact]
    public async Task Follow_reads_lines_appended_later_and_a_rotated_file()
    {
        string live = Path.Combine(_directory, "live.log");
        File.WriteAllText(live, "Mar  2 08:00:00 mx postfix/smtpd[7]: ABC123: client=a[10.0.0.1], sasl_method=PLAIN, sasl_username=u\n");
        var sink = new PostfixLog.Collector();
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(() => new LogReplay { Year = 2026 }.Follow(live, sink, TimeSpan.FromMilliseconds(20), stop.Token));
        await Task.Delay(200);
        File.AppendAllText(live, "Mar  2 08:00:01 mx postfix/qmgr[3]: ABC123: removed\n");
        SpinWait.SpinUntil(() => sink.Completed.Count == 1, TimeSpan.FromSeconds(5));
        File.Move(live, live + ".1");
        File.WriteAllText(live, "Mar  2 08:00:02 mx postfix/smtpd[7]: DEF456: client=b[10.0.0.2], sasl_method=PLAIN, sasl_username=w\nMar  2 08:00:03 mx postfix/qmgr[3]: DEF456: removed\n");
        SpinWait.SpinUntil(() => sink.Completed.Count == 2, TimeSpan.FromSeconds(5));
        stop.Cancel();
        await reading.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["u", "w"], sink.Completed.Select(r => r.Login));
    }
}
