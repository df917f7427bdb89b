using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RelayWarden.Core.Control;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests;

/// <summary>
/// The records API and pages (search, CSV export, activity, top lists, account timeline, incident report) on a
/// real relay's decision store, seeded with a spoof of globex's domain by partner-trial next to legitimate mail.
/// </summary>
public sealed class RecordsApiTests : IClassFixture<RecordsApiTests.Fixture>
{
    private readonly TestConsole _console;
    private readonly DateTimeOffset _t0;

    public RecordsApiTests(Fixture fixture)
    {
        _console = fixture.Console;
        _t0 = fixture.T0;
    }

    /// <summary>A console whose records hold the scenario, two hours ago.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private TestConsole? _console;

        public TestConsole Console => _console ?? throw new InvalidOperationException("not started");

        public DateTimeOffset T0 { get; } = new DateTimeOffset(DateTime.UtcNow.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero).AddHours(-2);

        public async Task InitializeAsync()
        {
            _console = await TestConsole.StartAsync();
            var records = _console.Relay.Host.Records;
            DecisionRecord Record(string id, int minute, VerdictAction action, string tenant, string account, string ip, string mailFrom, string from,
                string? sender, string[] rcpts, string? rule = null) => new()
            {
                Id = id, Time = T0.AddMinutes(minute), Stage = "smtp.data", Tenant = tenant, Account = account, ClientIp = ip, MailFrom = mailFrom,
                From = from, Sender = sender, Recipients = rcpts, RecipientDomains = [.. rcpts.Select(r => RecordKeys.ForwardPath(r).Domain!).Distinct().Order()],
                MessageId = $"<{id}@test>", Action = action, Reply = action == VerdictAction.Relay ? "250 2.0.0 queued" : "550 5.7.1 no",
                Reasons = rule is null ? [] : [new Reason(rule, ReasonOutcome.Fail, "test", new Evidence { Domain = "globex.example", Owner = "globex" })],
            };
            DecisionRecord[] seed =
            [
                Record("p1", 1, VerdictAction.Relay, "partner-trial", "partner-trial/127.0.0.40", "127.0.0.40", "<>", "=cmd|' /C calc'!A0 <security@globex.example>",
                    "noreply@partner-trial.example", ["<v1@victims.example>", "<v2@victims.example>"]),
                Record("p2", 2, VerdictAction.Reject, "partner-trial", "partner-trial/127.0.0.40", "127.0.0.40", "<>", "security@globex.example",
                    "noreply@partner-trial.example", ["<v3@victims.example>"], "sender.from.other-tenant"),
                Record("p3", 3, VerdictAction.Reject, "partner-trial", "partner-trial/127.0.0.40", "127.0.0.40", "<>", "security@globex.example",
                    "noreply@partner-trial.example", ["<v4@victims.example>", "<w@elsewhere.example>"], "sender.from.other-tenant"),
                Record("g1", 4, VerdictAction.Relay, "globex", "globex/127.0.0.20", "127.0.0.20", "<gary@globex.example>", "gary@globex.example", null, ["<x@partner.example>"]),
                Record("a1", 61, VerdictAction.Relay, "acme", "alice@acme.example", "127.0.0.10", "<alice@acme.example>", "alice@acme.example", null, ["<y@partner.example>"]),
            ];
            foreach (var record in seed)
            {
                await records.AddAsync(record, default);
            }

            await records.FlushAsync(default);
        }

        public async Task DisposeAsync()
        {
            if (_console is not null)
            {
                await _console.DisposeAsync();
            }
        }
    }

    private string Window => $"since={Iso(_t0)}&until={Iso(_t0.AddHours(2))}";

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    private static Uri U(string path) => new(path, UriKind.Relative);

    [Theory]
    [InlineData("/api/records")]
    [InlineData("/api/records/export.csv")]
    [InlineData("/api/records/activity")]
    [InlineData("/api/records/top-accounts")]
    [InlineData("/api/records/top-rules")]
    [InlineData("/api/records/timeline?account=alice@acme.example")]
    [InlineData("/api/incident?spoofed=globex.example&since=-1d&until=now")]
    [InlineData("/api/incident/export.csv?spoofed=globex.example&since=-1d&until=now")]
    [InlineData("/api/records/replay?rule_action=sender.envelope.external:reject")]
    public async Task Every_records_route_answers_401_without_credentials_and_200_to_an_analyst(string path)
    {
        using var anonymous = _console.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(U(path))).StatusCode);
        using var bad = _console.Client("rw_forged");
        Assert.Equal(HttpStatusCode.Unauthorized, (await bad.GetAsync(U(path))).StatusCode);
        using var analyst = _console.Client(_console.AnalystToken);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync(U(path))).StatusCode);
    }

    [Fact]
    public async Task Search_filters_and_pages_newest_first()
    {
        using var client = _console.Client(_console.AnalystToken);
        var all = await client.GetFromJsonAsync<JsonElement>(U($"/api/records?from=globex.example&{Window}"));
        Assert.Equal(["g1", "p3", "p2", "p1"], Ids(all));
        Assert.Equal("reject", all.GetProperty("records")[1].GetProperty("action").GetString());
        Assert.Equal("sender.from.other-tenant", all.GetProperty("records")[1].GetProperty("reasons")[0].GetProperty("rule").GetString());

        var first = await client.GetFromJsonAsync<JsonElement>(U($"/api/records?identity=globex.example&limit=3&{Window}"));
        Assert.Equal(["g1", "p3", "p2"], Ids(first));
        string next = first.GetProperty("next").GetString()!;
        var second = await client.GetFromJsonAsync<JsonElement>(U($"/api/records?identity=globex.example&limit=3&after={next}&{Window}"));
        Assert.Equal(["p1"], Ids(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);

        Assert.Equal(["p3", "p2"], Ids(await client.GetFromJsonAsync<JsonElement>(U("/api/records?action=refused&mail_from=%3C%3E"))));
        Assert.Equal(["p3"], Ids(await client.GetFromJsonAsync<JsonElement>(U("/api/records?recipient=W@Elsewhere.example"))));
        Assert.Equal(["p3", "p2", "p1"], Ids(await client.GetFromJsonAsync<JsonElement>(U("/api/records?recipient_domain=victims.example&sender=partner-trial.example"))));
        Assert.Equal(["p3", "p2"], Ids(await client.GetFromJsonAsync<JsonElement>(U("/api/records?rule=sender.from.other-tenant&tenant=partner-trial&client_ip=127.0.0.40"))));
        Assert.Equal(["a1"], Ids(await client.GetFromJsonAsync<JsonElement>(U("/api/records?account=alice@acme.example&message_id=a1@test"))));
    }

    private static string[] Ids(JsonElement page) => [.. page.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("id").GetString()!)];

    [Theory]
    [InlineData("/api/records?from=not%20a%20domain", "from:")]
    [InlineData("/api/records?action=bounce", "action:")]
    [InlineData("/api/records?since=yesterday", "since:")]
    [InlineData("/api/records?limit=5000", "limit:")]
    [InlineData("/api/records?after=xyz", "after:")]
    [InlineData("/api/records/activity?bucket=week", "bucket:")]
    [InlineData("/api/records/activity?since=-300d&bucket=minute", "bucket:")]
    [InlineData("/api/records/timeline", "account:")]
    [InlineData("/api/incident?since=-1d&until=now", "give a spoofed domain")]
    [InlineData("/api/incident?spoofed=globex.example", "since and until")]
    [InlineData("/api/incident?spoofed=bad%20domain&since=-1d&until=now", "spoofed:")]
    [InlineData("/api/incident/export.csv?spoofed=globex.example&since=-1d&until=now&table=x", "table:")]
    [InlineData("/api/records/replay?rule_action=sender.nope:reject", "unknown rule id")]
    [InlineData("/api/records/replay?rule_action=sender.from.other-tenant:drop", "rule_action:")]
    [InlineData("/api/records/replay?since=yesterday", "since:")]
    public async Task A_bad_parameter_is_a_400_naming_it(string path, string expected)
    {
        using var client = _console.Client(_console.AnalystToken);
        var reply = await client.GetAsync(U(path));
        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        Assert.Contains(expected, await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_export_is_csv_with_formulas_neutralized()
    {
        using var client = _console.Client(_console.AnalystToken);
        var reply = await client.GetAsync(U($"/api/records/export.csv?tenant=partner-trial&{Window}"));
        Assert.Equal("text/csv", reply.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", reply.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        string[] lines = (await reply.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("time,id,stage,action,", lines[0], StringComparison.Ordinal);
        Assert.Contains(",'=cmd|' /C calc'!A0 <security@globex.example>,", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activity_counts_per_bucket_and_top_lists_rank_accounts_and_rules()
    {
        using var client = _console.Client(_console.AnalystToken);
        var hours = await client.GetFromJsonAsync<JsonElement>(U($"/api/records/activity?bucket=hour&{Window}"));
        Assert.Equal(2, hours.GetArrayLength());
        var first = hours[0];
        Assert.Equal((2, 2, 3, 2), (first.GetProperty("accepted").GetInt32(), first.GetProperty("rejected").GetInt32(), first.GetProperty("recipients").GetInt32(), first.GetProperty("recipient_domains").GetInt32()));
        Assert.Equal(1, hours[1].GetProperty("accepted").GetInt32());
        Assert.Equal(120, (await client.GetFromJsonAsync<JsonElement>(U($"/api/records/activity?{Window}"))).GetArrayLength()); // per minute by default

        var accounts = await client.GetFromJsonAsync<JsonElement>(U($"/api/records/top-accounts?limit=2&{Window}"));
        Assert.Equal(2, accounts.GetArrayLength());
        Assert.Equal(("partner-trial/127.0.0.40", 1, 2), (accounts[0].GetProperty("account").GetString(), accounts[0].GetProperty("accepted").GetInt32(), accounts[0].GetProperty("refused").GetInt32()));
        var rules = await client.GetFromJsonAsync<JsonElement>(U($"/api/records/top-rules?{Window}"));
        Assert.Equal(("sender.from.other-tenant", 2), (rules[0].GetProperty("rule").GetString(), rules[0].GetProperty("refused").GetInt32()));
    }

    [Fact]
    public async Task Timeline_shows_state_history_and_series()
    {
        using var client = _console.Client(_console.AnalystToken);
        var globex = await client.GetFromJsonAsync<JsonElement>(U($"/api/records/timeline?account=globex/127.0.0.20&{Window}"));
        Assert.Equal("probation", globex.GetProperty("state").GetProperty("state").GetString()); // first seen two hours ago
        Assert.Equal("globex", globex.GetProperty("state").GetProperty("tenant").GetString());
        Assert.Equal(120, globex.GetProperty("series").GetArrayLength()); // 2 h: per minute
        Assert.Equal(1, globex.GetProperty("series")[4].GetProperty("accepted").GetInt32());

        _console.Relay.Host.Control.Suspend(new Suspension(SuspensionScope.Account, "partner-trial/127.0.0.40", "alice-admin", DateTimeOffset.UtcNow, "spoofing globex"));
        var trial = await client.GetFromJsonAsync<JsonElement>(U($"/api/records/timeline?account=partner-trial/127.0.0.40&bucket=hour&{Window}"));
        var state = trial.GetProperty("state");
        Assert.Equal("suspended", state.GetProperty("state").GetString());
        Assert.Contains("spoofing globex", state.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("account.suspend", state.GetProperty("history")[0].GetProperty("action").GetString());
        Assert.Equal((1, 2), (state.GetProperty("accepted").GetInt32(), state.GetProperty("refused").GetInt32()));
        Assert.Equal(2, trial.GetProperty("series").GetArrayLength());
    }

    [Fact]
    public async Task Incident_report_groups_by_submitter_and_by_owner_and_exports_both_tables()
    {
        using var client = _console.Client(_console.AnalystToken);
        var report = await client.GetFromJsonAsync<JsonElement>(U($"/api/incident?spoofed=globex.example&{Window}"));
        var total = report.GetProperty("total");
        Assert.Equal((2, 2), (total.GetProperty("accepted").GetInt32(), total.GetProperty("refused").GetInt32()));
        var submitters = report.GetProperty("by_submitter");
        Assert.Equal(2, submitters.GetArrayLength());
        Assert.Equal(("partner-trial", 3), (submitters[0].GetProperty("tenant").GetString(), submitters[0].GetProperty("counts").GetProperty("messages").GetInt32()));
        var owner = Assert.Single(report.GetProperty("by_owner").EnumerateArray());
        Assert.Equal("globex", owner.GetProperty("owner_tenant").GetString());
        Assert.Equal((1, 2, 2, 3, 2), (owner.GetProperty("counts").GetProperty("accepted").GetInt32(), owner.GetProperty("counts").GetProperty("refused").GetInt32(),
            owner.GetProperty("counts").GetProperty("recipients").GetInt32(), owner.GetProperty("counts").GetProperty("refused_recipients").GetInt32(),
            owner.GetProperty("counts").GetProperty("recipient_domains").GetInt32()));

        string owners = await client.GetStringAsync(U($"/api/incident/export.csv?spoofed=globex.example&table=owners&{Window}"));
        Assert.StartsWith("owner_tenant,domains,accepted,held,refused,", owners, StringComparison.Ordinal);
        Assert.Contains("\r\nglobex,globex.example,1,0,2,2,3,2,", owners, StringComparison.Ordinal);
        string subs = await client.GetStringAsync(U($"/api/incident/export.csv?spoofed=globex.example&{Window}"));
        Assert.Equal(3, subs.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Pages_need_a_session_and_render_search_timeline_and_report()
    {
        using var anonymous = _console.Client();
        var redirect = await anonymous.GetAsync(U("/records"));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Contains("/login", redirect.Headers.Location?.ToString(), StringComparison.Ordinal);

        using var client = await _console.SignInAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        string search = await client.GetStringAsync(U($"/records?from=globex.example&{Window}"));
        Assert.Equal(4, CountOf(search, "data-testid=\"record-row\""));
        Assert.Contains("href=\"/api/records/export.csv?from=globex.example", search, StringComparison.Ordinal);
        Assert.Contains("=cmd|&#x27; /C calc&#x27;!A0", search, StringComparison.Ordinal); // encoded, as text

        string bad = await client.GetStringAsync(U("/records?client_ip=nope"));
        Assert.Contains("client_ip: &#x27;nope&#x27; is not an IP address", bad, StringComparison.Ordinal);

        string timeline = await client.GetStringAsync(U($"/records/account?account=globex/127.0.0.20&{Window}"));
        Assert.Contains("<svg class=\"chart\"", timeline, StringComparison.Ordinal);
        Assert.Equal(4, CountOf(timeline, "<polyline"));
        Assert.Contains("data-testid=\"account-state\">probation<", timeline, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(timeline, "data-testid=\"record-row\""));

        string incident = await client.GetStringAsync(U($"/incident?spoofed=globex.example&{Window}"));
        Assert.Contains("data-testid=\"total-accepted\">2<", incident, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"total-refused\">2<", incident, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(incident, "data-testid=\"owner-row\""));
        Assert.Contains("/api/incident/export.csv?spoofed=globex.example&amp;since=", incident, StringComparison.Ordinal);
        string form = await client.GetStringAsync(U("/incident"));
        Assert.DoesNotContain("data-testid=\"total-accepted\"", form, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_judges_the_window_again_and_lists_the_verdicts_that_would_change()
    {
        using var client = _console.Client(_console.AnalystToken);
        // The current policy: the spoof accepted before the rule (p1) would now be rejected; the rest stays.
        var now = await client.GetFromJsonAsync<JsonElement>(U($"/api/records/replay?{Window}"));
        Assert.Equal(5, now.GetProperty("read").GetInt32());
        Assert.Equal(4, now.GetProperty("same").GetInt32());
        Assert.Equal(1, now.GetProperty("changed").GetInt32());
        var change = Assert.Single(now.GetProperty("records").EnumerateArray());
        Assert.Equal("p1", change.GetProperty("record").GetProperty("id").GetString());
        Assert.Equal("relay", change.GetProperty("record").GetProperty("action").GetString());
        Assert.Equal("reject", change.GetProperty("proposed").GetProperty("action").GetString());
        Assert.Contains("sender.from.other-tenant", change.GetProperty("proposed").GetProperty("rules").EnumerateArray().Select(e => e.GetString()));

        // What if that rule only held: the two refusals become holds as well.
        var hold = await client.GetFromJsonAsync<JsonElement>(U($"/api/records/replay?rule_action=sender.from.other-tenant:hold&{Window}"));
        Assert.Equal(3, hold.GetProperty("changed").GetInt32());
        Assert.Equal(["sender.from.other-tenant=hold"], hold.GetProperty("rule_actions").EnumerateArray().Select(e => e.GetString()));
        var transitions = hold.GetProperty("changes").EnumerateArray()
            .Select(c => $"{c.GetProperty("recorded").GetString()}->{c.GetProperty("proposed").GetString()}:{c.GetProperty("count").GetInt32()}").ToArray();
        Assert.Equal(["reject->hold:2", "relay->hold:1"], transitions);

        // The page: a form, then the same answer as a table.
        using var session = await _console.SignInAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        string form = await session.GetStringAsync(U("/records/replay"));
        Assert.Contains("data-testid=\"replay-form\"", form, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"replay-read\"", form, StringComparison.Ordinal);
        string page = await session.GetStringAsync(U($"/records/replay?rule=sender.from.other-tenant&to=hold&{Window}"));
        Assert.Contains("data-testid=\"replay-changed\">3<", page, StringComparison.Ordinal);
        Assert.Equal(3, CountOf(page, "data-testid=\"replay-row\""));
        Assert.Contains("data-id=\"p1\"", page, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
