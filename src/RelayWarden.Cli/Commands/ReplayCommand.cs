using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Hosting.Configuration;
using RelayWarden.Hosting.Control;
using RelayWarden.Hosting.Reports;
using RelayWarden.Storage.Sqlite;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>relaywarden replay --config PROPOSED.yaml [--rule-action RULE=ACTION]... [--records FILE] [--since] [--until] [--tenant] [--account] [--json] [--limit N] [--exit-code]</c>:
/// judges the recorded decisions again with a proposed configuration and lists every one whose action
/// would change (<see cref="PolicyReplay"/>), then the totals. Adds nothing to the records. Exit 0
/// when it ran (1 with <c>--exit-code</c> when a verdict would change), 2 on bad usage.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(CliIo io)
    {
        var config = new Option<string>("--config") { Description = "The proposed configuration (tenants, domains, blocklist, policy).", Required = true };
        var recordsPath = new Option<string?>("--records") { Description = "The decision records (default: the configuration's data_dir/records.db)." };
        var since = TimeWindow.Since("records");
        var until = TimeWindow.Until("records");
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant's records." };
        var account = new Option<string?>("--account") { Description = "Only this account's records (a login, or tenant/ip)." };
        var json = new Option<bool>("--json") { Description = "One JSON object per changed verdict per line; the totals go to stderr." };
        var limit = new Option<int>("--limit") { Description = "Changed verdicts listed at most (0: all). The totals always count every record.", DefaultValueFactory = _ => 200 };
        var noControl = new Option<bool>("--no-control") { Description = "Judge with the configuration alone: leave out the control store's tenants, domain claims, networks and blocklist entries." };
        var ruleAction = new Option<string[]>("--rule-action")
        {
            Description = "RULE=ACTION laid over the configuration's policy.rule_actions (repeat for more): what if this rule rejected, deferred, held or only monitored.",
        };
        var exitCode = new Option<bool>("--exit-code") { Description = "Exit 1 when any verdict would change (for a policy change's review in CI)." };

        var command = new Command("replay", "Judge the recorded decisions again with a proposed configuration and list every verdict that would change.")
        {
            config, recordsPath, since, until, tenant, account, json, limit, noControl, ruleAction, exitCode,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (ConfigFile.TryLoad(io, "replay", parse.GetValue(config)!) is not { } loaded)
            {
                return Program.UsageError;
            }

            if (!TimeWindow.TryBind(parse, io, "replay", since, until, TimeProvider.System.GetUtcNow(), out var from, out var to))
            {
                return Program.UsageError;
            }

            var query = new DecisionQuery { Since = from, Until = to, Tenant = parse.GetValue(tenant), Account = parse.GetValue(account) };
            if (!query.TryNormalize(out query, out var errors))
            {
                io.Error.WriteLine($"relaywarden replay: {string.Join("; ", errors)}");
                return Program.UsageError;
            }

            string path = parse.GetValue(recordsPath) ?? Path.Combine(loaded.DataDir, "records.db");
            if (!File.Exists(path))
            {
                io.Error.WriteLine($"relaywarden replay: no decision records at '{path}' (serve writes them to data_dir/records.db; --records names another file)");
                return Program.UsageError;
            }

            if (!RuleActionOverrides.TryParse(parse.GetValue(ruleAction) ?? [], out var overrides, out var overrideErrors))
            {
                io.Error.WriteLine($"relaywarden replay: --rule-action {string.Join("; ", overrideErrors)}");
                return Program.UsageError;
            }

            var replay = Proposed(loaded, overrides, !parse.GetValue(noControl), io);
            bool asJson = parse.GetValue(json);
            int max = Math.Max(0, parse.GetValue(limit));
            int listed = 0;
            ReplaySummary summary;
            try
            {
                await using var store = SqliteDecisionStore.Open(path);
                summary = await ReplaySummary.RunAsync(replay, store, query, outcome =>
                {
                    if (outcome.Status != ReplayStatus.Changed || (max > 0 && listed >= max))
                    {
                        return;
                    }

                    listed++;
                    io.Out.WriteLine(asJson ? Json(outcome) : Line(outcome));
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
            {
                io.Error.WriteLine($"relaywarden replay: cannot read the records '{path}': {exception.Message}");
                return Program.UsageError;
            }

            var totals = asJson ? io.Error : io.Out;
            if (!asJson && summary.Changed > listed)
            {
                totals.WriteLine($"… {N(summary.Changed - listed)} more changed verdicts (--limit 0 lists all)");
            }

            WriteTotals(totals, summary);
            return parse.GetValue(exitCode) && summary.Changed > 0 ? 1 : 0;
        });
        return command;
    }

    /// <summary>The proposed policy: the configuration, and unless left out the control store's overlay and blocklist entries (each from when it was added).</summary>
    private static PolicyReplay Proposed(RelayWardenConfig config, IReadOnlyDictionary<string, RuleAction> overrides, bool withControl, CliIo io)
    {
        var directory = config.Directory;
        IReadOnlyList<BlockEntry> stored = [];
        if (withControl && File.Exists(Path.Combine(config.DataDir, ControlStores.FileName)))
        {
            using var control = ControlStores.Open(config);
            stored = control.Blocks();
            directory = DirectoryAdmin.Effective(config.Directory, control, out var skipped);
            foreach (var problem in skipped)
            {
                io.Error.WriteLine($"relaywarden replay: control store entry left out ({problem.Place}): {problem.Message}");
            }
        }

        return new PolicyReplay(directory, config.Blocklist, stored, RuleActionOverrides.Apply(config.Policy, overrides));
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>One changed verdict: when, who, the identities, recorded → proposed, the proposed reply and rules.</summary>
    private static string Line(ReplayOutcome outcome)
    {
        var record = outcome.Record;
        var proposed = outcome.Proposed!;
        string who = record.AuthLogin ?? record.Account ?? record.ClientIp ?? "-";
        string identities = $"MAIL FROM:{record.MailFrom ?? "-"}" + (record.From is { } from ? $" From: {from}" : string.Empty)
            + (record.Sender is { } sender ? $" Sender: {sender}" : string.Empty);
        string rules = string.Join(',', PolicyReplay.FailedRules(proposed));
        return $"{Time(record.Time)}  {record.Stage}  {record.Tenant ?? "-"}  {who}  {identities}  rcpts={record.Recipients.Count}  "
            + $"{Name(record.Action)} -> {Name(proposed.Action)}  \"{proposed.Reply}\"{(rules.Length > 0 ? $"  [{rules}]" : string.Empty)}  id={record.Id}";
    }

    private static string Name(VerdictAction action) => RelayMeters.Name(action);

    private static readonly JsonWriterOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Json(ReplayOutcome outcome)
    {
        var record = outcome.Record;
        var proposed = outcome.Proposed!;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_json))
        {
            json.WriteStartObject();
            json.WriteString("id", record.Id);
            json.WriteString("time", Time(record.Time));
            json.WriteString("stage", record.Stage);
            json.WriteString("tenant", record.Tenant);
            json.WriteString("account", record.Account);
            json.WriteString("client_ip", record.ClientIp);
            json.WriteString("auth_login", record.AuthLogin);
            json.WriteString("mail_from", record.MailFrom);
            json.WriteString("from", record.From);
            json.WriteString("sender", record.Sender);
            json.WriteString("message_id", record.MessageId);
            json.WriteStartArray("recipients");
            foreach (string recipient in record.Recipients)
            {
                json.WriteStringValue(recipient);
            }

            json.WriteEndArray();
            json.WriteStartObject("recorded");
            json.WriteString("action", Name(record.Action));
            json.WriteString("reply", record.Reply);
            WriteRules(json, record.Reasons);
            json.WriteEndObject();
            json.WriteStartObject("proposed");
            json.WriteString("action", Name(proposed.Action));
            json.WriteString("reply", proposed.Reply.ToString());
            json.WriteString("tenant", proposed.Tenant);
            WriteRules(json, proposed.Reasons);
            json.WriteStartArray("reasons");
            foreach (var reason in proposed.Reasons)
            {
                json.WriteStartObject();
                json.WriteString("rule", reason.Rule);
                json.WriteString("outcome", reason.Outcome.ToString().ToLowerInvariant());
                json.WriteString("detail", reason.Detail);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteRules(Utf8JsonWriter json, IReadOnlyList<Reason> reasons)
    {
        json.WriteStartArray("rules");
        foreach (var reason in reasons)
        {
            json.WriteStringValue(reason.Rule);
        }

        json.WriteEndArray();
    }

    private static void WriteTotals(TextWriter output, ReplaySummary summary)
    {
        string window = summary.First is { } first && summary.Last is { } last ? $" from {Time(first)} to {Time(last)}" : string.Empty;
        output.WriteLine($"replayed {N(summary.Read)} records{window}: {N(summary.Same)} same, {N(summary.Changed)} changed, {N(summary.NotReplayed)} not replayed");
        foreach (var (recorded, proposed, count) in summary.Changes)
        {
            output.WriteLine($"  changed {Name(recorded)} -> {Name(proposed)}: {N(count)}");
        }

        foreach (var (why, count) in summary.NotReplayedWhy)
        {
            output.WriteLine($"  not replayed, {why}: {N(count)}");
        }
    }
}
