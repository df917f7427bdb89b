using RelayWarden.Core.Monitor;
using RelayWarden.Core.Monitor.Evaluation;

namespace RelayWarden.Core.Tests.Monitor;

public class EvaluationHarnessTests
{
    /// <summary>Forty people mailing a handful of colleagues a few times a day for sixty days.</summary>
    private static List<DatasetMessage> SyntheticOffice()
    {
        var random = new Random(7);
        var messages = new List<DatasetMessage>();
        long start = 1_600_000_000;
        for (int day = 0; day < 60; day++)
        {
            for (int person = 0; person < 40; person++)
            {
                for (int m = 0; m < 4; m++)
                {
                    long time = start + (day * 86400L) + (8 * 3600) + random.Next(10 * 3600);
                    int colleague = (person + 1 + random.Next(6)) % 40;
                    messages.Add(new DatasetMessage(time, person, [colleague]));
                }
            }
        }

        return [.. messages.OrderBy(m => m.Time)];
    }

    [Fact]
    public void Bulk_malspam_in_a_synthetic_office_is_caught_in_seconds_without_false_alerts()
    {
        var benign = SyntheticOffice();
        var (injected, instances) = ScenarioGenerator.Generate(benign, ScenarioKind.BulkMalspam, 5, 42, DomainMapping.WorstCase);
        var result = EvaluationHarness.Run(benign, DomainMapping.WorstCase, "office", injected, instances, MonitorOptions.Default);

        Assert.Equal(0, result.FalseAlerts);
        Assert.Equal(benign.Count, result.BenignMessages);
        Assert.Equal(5, result.Instances.Count);
        var summary = ScenarioSummary.Of(ScenarioKind.BulkMalspam, result.Instances);
        Assert.Equal(5, summary.Detected);
        Assert.True(summary.MedianTtd <= 120, $"median TTD {summary.MedianTtd}");
        Assert.True(summary.MaxSentBeforeEnforcement < 100);
    }

    [Fact]
    public void A_trial_blast_is_enforced_before_100_messages_and_suspended()
    {
        var benign = SyntheticOffice();
        var (injected, instances) = ScenarioGenerator.Generate(benign, ScenarioKind.TrialBlast, 3, 5, DomainMapping.WorstCase);
        var result = EvaluationHarness.Run(benign, DomainMapping.WorstCase, "office", injected, instances, MonitorOptions.Default);

        Assert.Equal(0, result.FalseAlerts);
        Assert.All(result.Instances, o =>
        {
            Assert.True(o.Detected);
            Assert.True(o.SentBeforeEnforcement < 100);
            Assert.True(o.TimeToDetect <= 60);
        });
    }

    [Fact]
    public void The_generator_is_deterministic_for_a_seed()
    {
        var benign = SyntheticOffice();
        var first = ScenarioGenerator.Generate(benign, ScenarioKind.ModerateSpam, 3, 9, DomainMapping.Realistic);
        var second = ScenarioGenerator.Generate(benign, ScenarioKind.ModerateSpam, 3, 9, DomainMapping.Realistic);
        Assert.Equal(first.Instances, second.Instances);
        Assert.Equal(first.Messages.Select(m => (m.Time, m.Account, m.Recipients[0])), second.Messages.Select(m => (m.Time, m.Account, m.Recipients[0])));
    }

    [Fact]
    public void Realistic_mapping_spreads_people_over_a_few_domains()
    {
        var domains = Enumerable.Range(0, 1000).Select(p => DomainMappings.Address(p, DomainMapping.Realistic).Split('@')[1]).ToList();
        Assert.InRange(domains.Distinct().Count(), 15, 25);
        Assert.InRange(domains.Count(d => d == "org.example"), 200, 330);
        Assert.Equal("p5@p5.example", DomainMappings.Address(5, DomainMapping.WorstCase));
    }
}
