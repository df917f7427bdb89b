namespace RelayWarden.Core.Monitor.Evaluation;

/// <summary>
/// Replays a benign data set plus injected scenario traffic through a <see cref="BehaviorMonitor"/> in
/// event time and scores it. Pure: the caller reads the data and hands it in.
/// </summary>
public static class EvaluationHarness
{
    /// <summary>Replays <paramref name="benign"/> (sorted by time) merged with <paramref name="injected"/>.</summary>
    public static EvaluationResult Run(IReadOnlyList<DatasetMessage> benign, DomainMapping mapping, string tenant,
        IReadOnlyList<TrafficMessage> injected, IReadOnlyList<ScenarioInstance> instances, MonitorOptions options)
    {
        // Worst case for false alerts: every benign account goes through probation from its first message.
        var monitor = new BehaviorMonitor(options with { PreexistingHours = 0 }, new InMemoryMonitorStore(), TimeProvider.System);
        var attacked = new Dictionary<string, ScenarioInstance>(StringComparer.Ordinal);
        foreach (var instance in instances)
        {
            attacked[instance.Account] = instance;
        }

        var sortedInjected = injected.OrderBy(m => m.Time).ToList();
        var addressCache = new Dictionary<int, string>();
        var falseByRule = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstAlert = new long?[instances.Count];
        var firstRule = new string?[instances.Count];
        var firstEnforce = new long?[instances.Count];
        var sentBeforeAlert = new int[instances.Count];
        var sentBeforeEnforce = new int[instances.Count];
        long benignMessages = 0, benignRecipients = 0;
        int falseAlerts = 0, benignEnforced = 0;

        int b = 0, j = 0;
        while (b < benign.Count || j < sortedInjected.Count)
        {
            bool takeBenign = j >= sortedInjected.Count || (b < benign.Count && benign[b].Time <= sortedInjected[j].Time);
            Observation observation;
            int instance;
            if (takeBenign)
            {
                var message = benign[b++];
                var recipients = new string[message.Recipients.Length];
                for (int r = 0; r < recipients.Length; r++)
                {
                    int person = message.Recipients[r];
                    if (!addressCache.TryGetValue(person, out var address))
                    {
                        address = DomainMappings.Address(person, mapping);
                        addressCache.Add(person, address);
                    }

                    recipients[r] = address;
                }

                observation = new Observation
                {
                    Time = DateTimeOffset.FromUnixTimeSeconds(message.Time),
                    Account = ScenarioGenerator.AccountOf(message.Sender),
                    Tenant = tenant,
                    EnvelopeSender = ScenarioGenerator.SenderOf(message.Sender),
                    Recipients = recipients,
                };
                instance = -1;
                benignMessages++;
                benignRecipients += recipients.Length;
            }
            else
            {
                var message = sortedInjected[j++];
                observation = new Observation
                {
                    Time = DateTimeOffset.FromUnixTimeSeconds(message.Time),
                    Account = message.Account,
                    Tenant = message.CreatedAt is null ? tenant : message.Account,
                    EnvelopeSender = message.Sender,
                    Recipients = message.Recipients,
                    AccountCreatedAt = message.CreatedAt,
                };
                instance = message.Instance;
            }

            var decision = monitor.Observe(observation);
            long now = observation.Time.ToUnixTimeSeconds();
            attacked.TryGetValue(observation.Account, out var target);
            bool underAttack = target is not null && now >= target.Start;

            foreach (var alert in decision.Alerts)
            {
                if (alert.Scope == MonitorKeyKind.Account && underAttack)
                {
                    int i = target!.Index;
                    if (firstAlert[i] is null)
                    {
                        firstAlert[i] = now;
                        firstRule[i] = alert.Rule;
                    }
                }
                else if (!underAttack)
                {
                    falseAlerts++;
                    falseByRule[alert.Rule] = falseByRule.GetValueOrDefault(alert.Rule) + 1;
                }
            }

            if (instance < 0)
            {
                if (decision.Enforces && !underAttack)
                {
                    benignEnforced++;
                }

                continue;
            }

            if (decision.Enforces && firstEnforce[instance] is null)
            {
                firstEnforce[instance] = now;
            }

            if (firstEnforce[instance] is null && !decision.Enforces)
            {
                sentBeforeEnforce[instance]++;
            }

            if (firstAlert[instance] is null && !decision.Enforces)
            {
                sentBeforeAlert[instance]++;
            }
        }

        var outcomes = new List<InstanceOutcome>(instances.Count);
        foreach (var instance in instances)
        {
            int i = instance.Index;
            outcomes.Add(new InstanceOutcome(instance, firstAlert[i], firstRule[i], firstEnforce[i], sentBeforeAlert[i], sentBeforeEnforce[i]));
        }

        return new EvaluationResult
        {
            BenignMessages = benignMessages,
            BenignRecipients = benignRecipients,
            FalseAlerts = falseAlerts,
            BenignEnforced = benignEnforced,
            FalseAlertsByRule = falseByRule,
            Instances = outcomes,
        };
    }
}
