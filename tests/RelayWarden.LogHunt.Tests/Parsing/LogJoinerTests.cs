using RelayWarden.LogHunt.Parsing;
using RelayWarden.LogHunt.Records;

namespace RelayWarden.LogHunt.Tests.Parsing;

public class LogJoinerTests
{
    [Fact]
    public void A_message_is_joined_by_queue_id_with_every_field()
    {
        var log = new PostfixLog();
        var t = PostfixLog.Start;
        log.Message(t, "Alice", "10.1.2.3", "Alice@Uni.Example", ["bob@ext.example", "carol@other.example"], subject: "Quarterly report");
        var (sink, statistics) = PostfixLog.Join(log.ToString());

        var record = Assert.Single(sink.Completed);
        Assert.Equal(("mx1", "alice", "10.1.2.3", "client.example", "alice@uni.example", 1234L, 2), (record.Host, record.Login, record.ClientIp, record.ClientName, record.Sender, record.Size, record.RecipientCount));
        Assert.Equal($"{record.QueueId}@example.org", record.MessageId);
        Assert.Equal("Quarterly report", record.Subject);
        Assert.Equal(["bob@ext.example", "carol@other.example"], record.Recipients.Select(r => r.Address));
        Assert.All(record.Recipients, r => Assert.Equal((DeliveryStatus.Sent, "2.0.0", 0.5), (r.Status, r.Dsn, r.Delay)));
        Assert.Equal("mx.ext.example[192.0.2.1]:25", record.Recipients[0].Relay);
        Assert.Equal(t, Assert.Single(sink.Accepted).Time);
        Assert.Equal((0L, 0L, 0L), (statistics.Garbled, statistics.Unjoinable, statistics.Evicted));
    }

    [Fact]
    public void Header_checks_warn_lines_give_subject_and_from_even_when_the_subject_contains_from()
    {
        var log = new PostfixLog().Line("Mar  2 08:00:00 mx postfix/smtpd[1]: 4F1A2B3C4D: client=a[10.0.0.1], sasl_method=PLAIN, sasl_username=u")
            .Line("Mar  2 08:00:00 mx postfix/cleanup[2]: 4F1A2B3C4D: warning: header Subject: news from the lab from a[10.0.0.1]; from=<u@x.example> to=<v@y.example> proto=ESMTP helo=<a>")
            .Line("Mar  2 08:00:00 mx postfix/cleanup[2]: 4F1A2B3C4D: warning: header From: \"U\" <u@x.example> from a[10.0.0.1]; from=<u@x.example> to=<v@y.example> proto=ESMTP helo=<a>")
            .Line("Mar  2 08:00:01 mx postfix/qmgr[3]: 4F1A2B3C4D: removed");
        var record = Assert.Single(PostfixLog.Join(log.ToString()).Sink.Completed);
        Assert.Equal("news from the lab", record.Subject);
        Assert.Equal("\"U\" <u@x.example>", record.FromHeader);
    }

    [Fact]
    public void Noqueue_rejects_are_reported_and_counted_against_the_session_s_next_message()
    {
        var log = new PostfixLog()
            .Line("Mar  2 08:00:00 mx postfix/smtpd[7]: NOQUEUE: reject: RCPT from a[10.0.0.1]: 550 5.1.1 <x@y.example>: Recipient address rejected: User unknown; from=<u@x.example> to=<x@y.example> proto=ESMTP helo=<a>")
            .Line("Mar  2 08:00:01 mx postfix/smtpd[7]: ABCDEF123: client=a[10.0.0.1], sasl_method=PLAIN, sasl_username=u")
            .Line("Mar  2 08:00:01 mx postfix/qmgr[3]: ABCDEF123: from=<u@x.example>, size=10, nrcpt=1 (queue active)")
            .Line("Mar  2 08:00:02 mx postfix/smtp[4]: ABCDEF123: to=<v@z.example>, relay=z[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)")
            .Line("Mar  2 08:00:02 mx postfix/qmgr[3]: ABCDEF123: removed");
        var (sink, statistics) = PostfixLog.Join(log.ToString());
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(("10.0.0.1", "u@x.example", "x@y.example"), (reject.ClientIp, reject.Sender, reject.Recipient));
        Assert.StartsWith("550 5.1.1 <x@y.example>: Recipient address rejected", reject.Reply, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(sink.Completed).RejectedRecipients);
        Assert.Equal(1, statistics.Rejects);
    }

    [Fact]
    public void A_deferred_recipient_that_bounces_later_is_reported_as_refused()
    {
        var log = new PostfixLog()
            .Line("Mar  2 08:00:00 mx postfix/smtpd[7]: ABC123: client=a[10.0.0.1], sasl_method=PLAIN, sasl_username=u")
            .Line("Mar  2 08:00:00 mx postfix/qmgr[3]: ABC123: from=<u@x.example>, size=10, nrcpt=1 (queue active)")
            .Line("Mar  2 08:00:30 mx postfix/smtp[4]: ABC123: to=<v@z.example>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect timed out)")
            .Line("Mar  2 08:40:00 mx postfix/smtp[4]: ABC123: to=<v@z.example>, relay=z[192.0.2.2]:25, delay=2400, delays=0/2400/0/0, dsn=5.1.1, status=bounced (user unknown)")
            .Line("Mar  2 08:40:00 mx postfix/qmgr[3]: ABC123: removed");
        var (sink, _) = PostfixLog.Join(log.ToString());
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 8, 0, 30, TimeSpan.Zero), Assert.Single(sink.Accepted).Time);
        Assert.Equal(1, Assert.Single(sink.Refused).Count);
        Assert.Equal(DeliveryStatus.Bounced, Assert.Single(sink.Completed).Recipients[0].Status);
    }

    [Fact]
    public void The_same_queue_id_on_two_hosts_makes_two_messages()
    {
        var log = new PostfixLog()
            .Line("Mar  2 08:00:00 mx1 postfix/smtpd[7]: ABC123: client=a[10.0.0.1], sasl_method=PLAIN, sasl_username=u1")
            .Line("Mar  2 08:00:00 mx2 postfix/smtpd[7]: ABC123: client=b[10.0.0.2], sasl_method=PLAIN, sasl_username=u2")
            .Line("Mar  2 08:00:01 mx2 postfix/qmgr[3]: ABC123: removed")
            .Line("Mar  2 08:00:01 mx1 postfix/qmgr[3]: ABC123: removed");
        var (sink, _) = PostfixLog.Join(log.ToString());
        Assert.Equal(["mx2/u2", "mx1/u1"], sink.Completed.Select(r => $"{r.Host}/{r.Login}"));
    }

    [Fact]
    public void Long_queue_ids_and_local_submissions_join()
    {
        var log = new PostfixLog()
            .Line("Mar  2 08:00:00 mx postfix/pickup[9]: 4Zx3Kp1QwzNfYv: uid=1000 from=<daemon@host.example>")
            .Line("Mar  2 08:00:00 mx postfix/cleanup[2]: 4Zx3Kp1QwzNfYv: message-id=<local@host.example>")
            .Line("Mar  2 08:00:00 mx postfix/qmgr[3]: 4Zx3Kp1QwzNfYv: from=<daemon@host.example>, size=10, nrcpt=1 (queue active)")
            .Line("Mar  2 08:00:01 mx postfix/local[5]: 4Zx3Kp1QwzNfYv: to=<root@host.example>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)")
            .Line("Mar  2 08:00:01 mx postfix/qmgr[3]: 4Zx3Kp1QwzNfYv: removed");
        var record = Assert.Single(PostfixLog.Join(log.ToString()).Sink.Completed);
        Assert.Equal(("4Zx3Kp1QwzNfYv", "uid:1000", "local@host.example"), (record.QueueId, record.Account, record.MessageId));
    }

    [Fact]
    public void Garbled_and_unjoinable_lines_are_counted_never_fatal()
    {
        var log = new PostfixLog()
            .Line("this is not a log line")
            .Line("Mar  2 08:00:00 mx postfix/smtp[4]: ABC999: to=<v@z.example>, relay=z, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)")
            .Line("Mar  2 08:00:00 mx postfix/qmgr[3]: ABC998: removed")
            .Line("Mar  2 08:00:00 mx postfix/smtpd[7]: ABC997: client=")
            .Line("Mar  2 08:00:00 mx postfix/smtp[4]: ABC997: to=<unterminated")
            .Line("Mar 99 08:00:00 mx postfix/qmgr[3]: ABC997: removed")
            .Line("Mar  2 08:00:00 mx kernel: [12.3] eth0 up")
            .Line("\u0001\u0002\u0003");
        var (sink, statistics) = PostfixLog.Join(log.ToString());
        Assert.Equal(3, statistics.Garbled);
        Assert.Equal(2, statistics.Unjoinable);
        Assert.Single(sink.Completed); // ABC997, evicted at the end of input
        Assert.Equal(1, statistics.Evicted);
    }

    [Fact]
    public void Memory_stays_bounded_when_messages_never_leave_the_queue()
    {
        var log = new PostfixLog();
        for (int i = 0; i < 5000; i++)
        {
            var t = PostfixLog.Start.AddSeconds(i * 5);
            log.Line($"{PostfixLog.Stamp(t)} mx postfix/smtpd[7]: {0x100000 + i:X}: client=a[10.0.0.1], sasl_method=PLAIN, sasl_username=u{i % 50}");
        }

        var sink = new PostfixLog.Collector();
        var joiner = new LogJoiner(sink, new SyslogHeader { FixedYear = 2026 }, new JoinerLimits { MaxIdle = TimeSpan.FromMinutes(10), MaxOpenMessages = 1000 });
        foreach (string line in log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            joiner.Feed(System.Text.Encoding.UTF8.GetBytes(line));
            Assert.True(joiner.OpenMessages <= 200, $"{joiner.OpenMessages} open");
        }

        Assert.True(joiner.Statistics.Evicted > 4500);
        Assert.Equal(joiner.Statistics.Evicted, sink.Completed.Count);
    }

    [Fact]
    public void Content_rejects_end_the_message()
    {
        var log = new PostfixLog()
            .Line("Mar  2 08:00:00 mx postfix/smtpd[7]: ABC123: client=a[10.0.0.1], sasl_method=PLAIN, sasl_username=u")
            .Line("Mar  2 08:00:01 mx postfix/cleanup[2]: ABC123: milter-reject: END-OF-MESSAGE from a[10.0.0.1]: 5.7.1 Sending blocked by policy; from=<u@x.example> to=<v@y.example> proto=ESMTP helo=<a>");
        var (sink, statistics) = PostfixLog.Join(log.ToString());
        var record = Assert.Single(sink.Completed);
        Assert.Equal(DeliveryStatus.Rejected, Assert.Single(record.Recipients).Status);
        Assert.Equal(0, statistics.Evicted);
        Assert.Equal("5.7.1 Sending blocked by policy", Assert.Single(sink.Rejects).Reply);
    }

    [Fact]
    public void Exim_mainlog_messages_join_with_login_subject_and_results()
    {
        string log = string.Join('\n',
            "2026-03-02 08:00:00 1rAbCd-0001Ab-Cd <= alice@uni.example H=(laptop) [10.1.2.3]:51234 P=esmtpsa X=TLS1.3 A=dovecot_plain:alice S=2345 id=abc@uni.example T=\"Invoice \\\"42\\\"\" for bob@ext.example carol@other.example",
            "2026-03-02 08:00:01 1rAbCd-0001Ab-Cd => bob@ext.example R=dnslookup T=remote_smtp H=mx.ext.example [192.0.2.5] C=\"250 ok\"",
            "2026-03-02 08:00:01 1rAbCd-0001Ab-Cd ** carol@other.example R=dnslookup T=remote_smtp H=mx.other.example [192.0.2.6]: SMTP error from remote mail server after RCPT TO:<carol@other.example>: 550 no such user",
            "2026-03-02 08:00:01 1rAbCd-0001Ab-Cd Completed",
            "2026-03-02 08:00:02 H=(laptop) [10.1.2.3]:51235 F=<alice@uni.example> A=dovecot_plain:alice rejected RCPT <dave@nowhere.example>: relay not permitted",
            "");
        var (sink, statistics) = PostfixLog.Join(log);
        var record = Assert.Single(sink.Completed);
        Assert.Equal(("alice", "10.1.2.3", "alice@uni.example", "abc@uni.example", 2345L), (record.Login, record.ClientIp, record.Sender, record.MessageId, record.Size));
        Assert.Equal("Invoice \\\"42\\\"", record.Subject);
        Assert.Equal([DeliveryStatus.Sent, DeliveryStatus.Bounced], record.Recipients.Select(r => r.Status));
        var reject = Assert.Single(sink.Rejects);
        Assert.Equal(("alice", "dave@nowhere.example", "relay not permitted"), (reject.Login, reject.Recipient, reject.Reply));
        Assert.Equal(0, statistics.Garbled);
    }
}
