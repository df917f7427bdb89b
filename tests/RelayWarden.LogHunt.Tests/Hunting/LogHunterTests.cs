using RelayWarden.Core.Monitor;

namespace RelayWarden.LogHunt.Tests.Hunting;

public class LogHunterTests
{
    /// <summary>Twenty people writing to their usual contacts every 20 minutes for two days.</summary>
    private static PostfixLog Benign(IReadOnlySet<string>? quietAfter = null, DateTimeOffset? quietFrom = null)
    {
        var log = new PostfixLog();
        var random = new Random(7);
        for (int minute = 0; minute < 2 * 24 * 60; minute += 20)
        {
            for (int u = 0; u < 20; u++)
            {
                var t = PostfixLog.Start.AddMinutes(minute).AddSeconds(u * 13);
                string login = $"user{u}";
                if (quietAfter?.Contains(login) == true && t >= quietFrom)
                {
                    continue;
                }

                log.Message(t, login, $"10.0.0.{u + 1}", $"{login}@uni.example", [$"friend{random.Next(3)}@partner{u % 4}.example"], host: u % 2 == 0 ? "mx1" : "mx2");
            }
        }

        return log;
    }

    [Fact]
    public void A_benign_log_raises_no_alert()
    {
        var hunter = PostfixLog.Hunt(Benign().ToString());
        Assert.Empty(hunter.Alerts);
        Assert.Equal(20 * 144, hunter.Observed);
    }

    [Fact]
    public void A_compromised_account_injected_into_a_benign_log_is_flagged_at_the_line_that_fired()
    {
        var attackStart = PostfixLog.Start.AddHours(30).AddSeconds(5);
        var log = Benign(new HashSet<string> { "user7" }, attackStart.AddHours(-1));
        var fired = DateTimeOffset.MinValue;
        for (int i = 0; i < 40; i++)
        {
            var t = attackStart.AddSeconds(i * 7);
            log.Message(t, "user7", "185.220.101.7", "user7@uni.example", [$"victim{i}@d{i}.example", $"x{i}@e{i}.example"], subject: "Invoice overdue");
            if (i == 29)
            {
                fired = t; // the 30th message within 10 minutes of a first-seen (probation) account
            }
        }

        var hunter = PostfixLog.Hunt(log.ToString());
        var alert = Assert.Single(hunter.Alerts);
        Assert.Equal(("user7", MonitorRuleIds.NewAccountVolume, fired), (alert.Account, alert.Alert.Rule, alert.DetectedAt));
        Assert.Equal("185.220.101.7", alert.ClientIp);
        Assert.Equal(30, alert.Window.Messages);
        Assert.Contains(alert.Alert.TopDomains, d => d.Domain.StartsWith('d'));
        Assert.Equal(LogHunt.Hunting.LogHunter.SubjectHash("Invoice overdue"), alert.Alert.SubjectHashes[0]);
        Assert.Equal(PostfixLog.Start.AddSeconds(7 * 13), hunter.Accounts["user7"].First);
    }

    [Fact]
    public void Unauthenticated_mail_is_replayed_only_when_asked()
    {
        var log = new PostfixLog();
        for (int i = 0; i < 40; i++)
        {
            log.Message(PostfixLog.Start.AddSeconds(i), null, "198.51.100.9", "", [$"v{i}@d{i}.example"]);
        }

        Assert.Empty(PostfixLog.Hunt(log.ToString()).Alerts);
        var all = PostfixLog.Hunt(log.ToString(), new LogHunt.Hunting.HuntOptions { IncludeUnauthenticated = true });
        Assert.Contains(all.Alerts, a => a.Account == "ip:198.51.100.9" && a.Alert.Rule == MonitorRuleIds.NullSenderVolume);
    }
}
