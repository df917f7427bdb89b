using Microsoft.Extensions.Time.Testing;
using RelayWarden.Core.Monitor;

namespace RelayWarden.Core.Tests.Monitor;

/// <summary>Builds monitors and observations on a fake clock for the monitor tests.</summary>
internal static class MonitorTestKit
{
    public static readonly DateTimeOffset Start = new(2025, 4, 21, 3, 0, 0, TimeSpan.Zero);

    public static BehaviorMonitor Monitor(params MonitorRule[] rules) =>
        new(new MonitorOptions { Rules = rules }, new InMemoryMonitorStore(), new FakeTimeProvider(Start));

    public static BehaviorMonitor Monitor(MonitorOptions options) => new(options, new InMemoryMonitorStore(), new FakeTimeProvider(Start));

    public static MonitorRule Rule(string id, string when, MonitorAction action = MonitorAction.Alert) =>
        new() { Id = id, When = MonitorCondition.Parse(when), Action = action };

    public static Observation Message(string account, DateTimeOffset time, params string[] recipients) => new()
    {
        Time = time,
        Account = account,
        Tenant = "acme",
        EnvelopeSender = account,
        Recipients = recipients,
        MessageId = $"<{time.ToUnixTimeMilliseconds()}@acme.example>",
        SubjectHash = "h1",
    };

    /// <summary>Sends <paramref name="count"/> one-recipient messages to fresh domains, <paramref name="every"/> apart.</summary>
    public static MonitorDecision Blast(BehaviorMonitor monitor, string account, DateTimeOffset from, int count, TimeSpan every, string prefix = "x", DateTimeOffset? created = null)
    {
        var decision = MonitorDecision.None;
        for (int i = 0; i < count; i++)
        {
            var message = Message(account, from + (every * i), $"v@{prefix}{i}.example");
            decision = monitor.Observe(created is null ? message : new Observation
            {
                Time = message.Time,
                Account = account,
                Recipients = message.Recipients,
                AccountCreatedAt = created,
            });
        }

        return decision;
    }
}
