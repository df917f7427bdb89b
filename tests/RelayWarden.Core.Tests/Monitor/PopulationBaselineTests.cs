using RelayWarden.Core.Monitor;

namespace RelayWarden.Core.Tests.Monitor;

public class PopulationBaselineTests
{
    private const long Hour = 3600;
    private static readonly long T0 = MonitorTestKit.Start.ToUnixTimeSeconds();

    [Fact]
    public void The_95th_percentile_converges_on_the_peers_hours()
    {
        var population = new PopulationBaseline(168);
        Assert.Equal(0, population.Quantile(0));

        // 1,000 account-hours: 90% with 2 messages, 10% with 12 (3 recipients each, 1 new-domain message in every fifth).
        for (int i = 0; i < 1000; i++)
        {
            int messages = i % 10 == 0 ? 12 : 2;
            population.Add(T0 + (i * 60), new WindowCounts { Messages = (ushort)messages, Recipients = (ushort)(3 * messages), NewDomainMessages = (ushort)(i % 5 == 0 ? 1 : 0) });
        }

        // 12 falls in the bin [11.3, 13.5): its smallest whole count is 12. 36 in [32, 38): 32 (at most 19% low).
        Assert.Equal(12, population.Quantile(0));
        Assert.Equal(32, population.Quantile(1));
        Assert.Equal(1, population.Quantile(2));
        // Spread over 16.7 hours with a 168-hour half-life: the older hours weigh a little less.
        Assert.InRange(population.Weight, 960, 970);
    }

    [Fact]
    public void Old_hours_fade_with_the_half_life_so_the_figure_follows_the_peers()
    {
        var population = new PopulationBaseline(24);
        for (int i = 0; i < 500; i++)
        {
            population.Add(T0 + i, new WindowCounts { Messages = 40 });
        }

        Assert.InRange(population.Quantile(0), 40 * 0.81, 40);

        // Ten days later (10 half-lives: the old hours weigh 500 / 1024 < 1) peers send 3 an hour.
        for (int i = 0; i < 100; i++)
        {
            population.Add(T0 + (240 * Hour) + i, new WindowCounts { Messages = 3 });
        }

        Assert.Equal(3, population.Quantile(0));
        Assert.InRange(population.Weight, 100, 101);
    }

    [Fact]
    public void The_summary_stays_finite_over_decades_of_event_time()
    {
        var population = new PopulationBaseline(1);
        for (int i = 0; i < 2000; i++)
        {
            // An hour every 100 hours over 22 years at a 1-hour half-life: the weights are rescaled, never infinite.
            population.Add(T0 + (i * 100 * Hour), new WindowCounts { Messages = 5 });
        }

        Assert.Equal(5, population.Quantile(0));
        Assert.InRange(population.Weight, 1, 1.01);
    }

    [Fact]
    public void Tenants_get_their_own_summary_once_it_has_enough_hours_and_their_number_is_bounded()
    {
        var peers = new PopulationBaselines(168);
        for (int i = 0; i < 100; i++)
        {
            peers.Add("big", T0 + i, new WindowCounts { Messages = 50 });
            peers.Add("small-corp", T0 + i, new WindowCounts { Messages = 1 });
        }

        peers.Add("tiny", T0 + 200, new WindowCounts { Messages = 1 });
        peers.Add("idle", T0 + 200, new WindowCounts { Messages = 0 }); // an hour with only refusals: not an active hour

        Assert.InRange(peers.For("big").Quantile(0), 50 * 0.81, 50);
        Assert.Equal(1, peers.For("small-corp").Quantile(0));
        Assert.Same(peers.Global, peers.For("tiny")); // 1 hour < MinTenantWeight
        Assert.Same(peers.Global, peers.For(null));
        Assert.Equal(3, peers.TenantCount);
        Assert.InRange(peers.Global.Weight, 200, 201.5);

        for (int t = 0; t < PopulationBaselines.MaxTenants + 500; t++)
        {
            peers.Add($"tenant-{t}", T0 + 300, new WindowCounts { Messages = 2 });
        }

        Assert.Equal(PopulationBaselines.MaxTenants, peers.TenantCount);
        Assert.Same(peers.Global, peers.For($"tenant-{PopulationBaselines.MaxTenants + 100}"));
    }

    [Fact]
    public void The_monitor_feeds_completed_account_hours_and_compares_an_account_with_its_tenant()
    {
        var rule = MonitorTestKit.Rule("monitor.test.population", "messages.1h >= 10 and messages_vs_population.1h >= 5");
        var monitor = MonitorTestKit.Monitor(rule);
        var start = MonitorTestKit.Start;

        // 60 accounts of acme send 2 messages in each of 10 hours.
        for (int hour = 0; hour < 10; hour++)
        {
            for (int a = 0; a < 60; a++)
            {
                for (int m = 0; m < 2; m++)
                {
                    Assert.Null(monitor.Observe(MonitorTestKit.Message($"peer{a}", start + TimeSpan.FromHours(hour) + TimeSpan.FromMinutes((a % 30) + (m * 20)), "x@partner.example")).Action);
                }
            }
        }

        // Every completed hour but the last of each account: 60 x 9 account-hours of 2 messages.
        Assert.InRange(monitor.Population.For("acme").Weight, 530, 540.5);
        Assert.Equal(2, monitor.Population.For("acme").Quantile(0));

        // An account of another tenant is compared with everyone (its tenant has no history): same figure.
        Assert.Same(monitor.Population.Global, monitor.Population.For("globex"));
        Assert.Equal(2, monitor.Population.Global.Quantile(0));

        // One account sends 10 in the next two hours: the rule fires when its last hour holds 10 (5x its peers' 95th percentile).
        var later = start + TimeSpan.FromHours(11);
        MonitorDecision? fired = null;
        int sent = 0;
        while (fired is null && sent < 10)
        {
            var decision = monitor.Observe(MonitorTestKit.Message("peer30", later + TimeSpan.FromMinutes(sent++), "x@partner.example"));
            fired = decision.Action is null ? null : decision;
        }

        Assert.NotNull(fired);
        Assert.Equal(10, sent);
        var alert = Assert.Single(fired.Alerts);
        Assert.Equal(5, alert.Figures["messages_vs_population.1h"]);
        Assert.True(alert.Figures.ContainsKey("new_domain_messages_vs_population.1h")); // standard evidence of every alert
        Assert.True(alert.Figures.ContainsKey("messages_vs_how.1h"));
    }

    [Fact]
    public void Population_signals_are_deterministic_in_event_time()
    {
        static double Run()
        {
            var monitor = new BehaviorMonitor(new MonitorOptions { Rules = [] }, new InMemoryMonitorStore(), TimeProvider.System);
            var start = MonitorTestKit.Start;
            for (int i = 0; i < 3000; i++)
            {
                monitor.Observe(MonitorTestKit.Message($"a{i % 37}", start + TimeSpan.FromMinutes(i * 7), $"r{i % 11}@d{i % 13}.example"));
            }

            Assert.True(MonitorSignal.TryParse("new_domain_messages_vs_population.1h", out var signal));
            Assert.True(monitor.Store.TryGet(MonitorKeyKind.Account, "a5", out var state));
            return monitor.Read(state, signal, start.ToUnixTimeSeconds() + (2999 * 7 * 60), "acme") + monitor.Population.Global.Weight;
        }

        Assert.Equal(Run(), Run());
    }
}
