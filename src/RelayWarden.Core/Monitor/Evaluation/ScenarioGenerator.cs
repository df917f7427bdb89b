namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>
/// Injects compromise scenarios into a benign stream with a seeded generator: the same seed gives the
/// same accounts, start times, rates and recipients. Compromised existing accounts are picked among
/// senders with at least 14 days of history and 20 earlier messages at the start time.
/// </summary>
public static class ScenarioGenerator
{
    private const long Day = 86400;

    /// <summary>Benign accounts are named <c>u{id}</c>; addresses of their senders are <c>u{id}@org.example</c>.</summary>
    public static string AccountOf(int sender) => $"u{sender}";

    public static string SenderOf(int sender) => $"u{sender}@org.example";

    public static (List<TrafficMessage> Messages, List<ScenarioInstance> Instances) Generate(
        IReadOnlyList<DatasetMessage> benign, ScenarioKind kind, int instances, int seed, DomainMapping mapping)
    {
        var random = new Random(seed);
        var messages = new List<TrafficMessage>();
        var result = new List<ScenarioInstance>();
        var used = new HashSet<int>();
        long first = benign[0].Time;
        long last = benign[^1].Time;

        for (int i = 0; i < instances; i++)
        {
            if (kind == ScenarioKind.TrialBlast)
            {
                long start = first + 30 * Day + (long)(random.NextDouble() * Math.Max(1, last - first - 31 * Day));
                double rate = LogUniform(random, 20_000, 90_000);
                string account = $"trial-{i}";
                var created = DateTimeOffset.FromUnixTimeSeconds(start - (long)(random.NextDouble() * (47 * 3600 - 300)) - 300);
                int count = 2000;
                double t = start;
                for (int m = 0; m < count; m++)
                {
                    messages.Add(new TrafficMessage((long)t, account, null, [RandomVictim(random)], i, created));
                    t += Exponential(random, 3600 / rate);
                }

                result.Add(new ScenarioInstance(i, kind, account, start, rate, count));
                continue;
            }

            if (!TryPickAccount(benign, random, used, kind == ScenarioKind.ThreadHijack ? 10 : 0, mapping, out int sender, out long begin, out var correspondents))
            {
                break;
            }

            string name = AccountOf(sender);
            string from = SenderOf(sender);
            (double perHour, double hours, int perMessageMax) = kind switch
            {
                ScenarioKind.BulkMalspam => (LogUniform(random, 500, 5000) / 2, 2.0, 3),
                ScenarioKind.ModerateSpam => (30 + (random.NextDouble() * 70), 3.0, 1),
                ScenarioKind.LowAndSlow => (2 + (random.NextDouble() * 4), 72.0, 1),
                _ => (20 + (random.NextDouble() * 40), 6.0, 1),
            };
            double time = begin;
            long end = begin + (long)(hours * 3600);
            int sent = 0;
            while (time < end && sent < 3000)
            {
                int k = 1 + random.Next(perMessageMax);
                var recipients = new string[k];
                for (int r = 0; r < k; r++)
                {
                    recipients[r] = kind == ScenarioKind.ThreadHijack
                        ? correspondents[random.Next(correspondents.Count)]
                        : RandomVictim(random);
                }

                messages.Add(new TrafficMessage((long)time, name, from, recipients, i));
                sent++;
                time += Exponential(random, 3600 / perHour);
            }

            result.Add(new ScenarioInstance(i, kind, name, begin, perHour, sent));
        }

        return (messages, result);
    }

    private static bool TryPickAccount(IReadOnlyList<DatasetMessage> benign, Random random, HashSet<int> used, int minCorrespondents,
        DomainMapping mapping, out int sender, out long start, out List<string> correspondents)
    {
        for (int attempt = 0; attempt < 2000; attempt++)
        {
            var anchor = benign[random.Next(benign.Count)];
            if (used.Contains(anchor.Sender))
            {
                continue;
            }

            long firstSeen = long.MaxValue;
            int earlier = 0;
            var people = new HashSet<int>();
            foreach (var message in benign)
            {
                if (message.Time >= anchor.Time)
                {
                    break;
                }

                if (message.Sender == anchor.Sender)
                {
                    firstSeen = Math.Min(firstSeen, message.Time);
                    earlier++;
                    people.UnionWith(message.Recipients);
                }
            }

            if (firstSeen == long.MaxValue || anchor.Time - firstSeen < 14 * Day || earlier < 20 || people.Count < minCorrespondents)
            {
                continue;
            }

            used.Add(anchor.Sender);
            sender = anchor.Sender;
            start = anchor.Time + random.Next(3600);
            correspondents = [.. people.Order().Select(p => DomainMappings.Address(p, mapping))];
            return true;
        }

        sender = 0;
        start = 0;
        correspondents = [];
        return false;
    }

    private static string RandomVictim(Random random)
    {
        int domain = random.Next(50_000_000);
        return $"v{random.Next(1000)}@m{domain}.example";
    }

    private static double LogUniform(Random random, double low, double high) => Math.Exp(Math.Log(low) + (random.NextDouble() * (Math.Log(high) - Math.Log(low))));

    private static double Exponential(Random random, double mean) => -Math.Log(1 - random.NextDouble()) * mean;
}
