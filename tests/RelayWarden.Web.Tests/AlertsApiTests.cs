using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MailKit.Net.Smtp;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests;

/// <summary>The alerts, accounts, allowances and queue API, on alerts raised by real SMTP traffic.</summary>
public sealed class AlertsApiTests : IClassFixture<AlertsFixture>
{
    private static readonly string s_bot = Uri.EscapeDataString(AlertsFixture.Bot);
    private readonly AlertsFixture _fixture;
    private readonly TestConsole _console;

    public AlertsApiTests(AlertsFixture fixture)
    {
        _fixture = fixture;
        _console = fixture.Console;
    }

    private static Uri U(string path) => new(path, UriKind.Relative);

    public static TheoryData<string, string> Routes() => new()
    {
        { "GET", "/api/alerts" },
        { "GET", "/api/alerts/1" },
        { "POST", "/api/alerts/1/dismiss" },
        { "GET", "/api/allowances" },
        { "DELETE", "/api/allowances/1" },
        { "GET", "/api/accounts/relay-bot%40acme.example" },
        { "POST", "/api/accounts/relay-bot%40acme.example/suspend" },
        { "POST", "/api/accounts/relay-bot%40acme.example/resume" },
        { "POST", "/api/accounts/relay-bot%40acme.example/held/release" },
        { "DELETE", "/api/accounts/relay-bot%40acme.example/held" },
        { "GET", "/api/queue?held=true" },
        { "POST", "/api/queue/abc123/release" },
        { "DELETE", "/api/queue/abc123" },
    };

    private static HttpRequestMessage Request(string method, string path) =>
        new(new HttpMethod(method), U(path)) { Content = method == "POST" ? JsonContent.Create(new { reason = "test" }) : null };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_route_answers_401_without_credentials(string method, string path)
    {
        using var client = _console.Client();
        using var request = Request(method, path);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Analyst_reads_but_every_write_is_403(string method, string path)
    {
        using var client = _console.Client(_console.AnalystToken);
        using var request = Request(method, path.Replace("/alerts/1", $"/alerts/{_fixture.BotAlertId}", StringComparison.Ordinal));
        var reply = await client.SendAsync(request);
        Assert.Equal(method == "GET" ? HttpStatusCode.OK : HttpStatusCode.Forbidden, reply.StatusCode);
    }

    [Fact]
    public async Task An_alert_raised_by_real_traffic_is_listed_with_its_evidence_and_the_account()
    {
        using var client = _console.Client(_console.AnalystToken);
        var open = await client.GetFromJsonAsync<JsonElement>(U("/api/alerts"));
        var listed = open.EnumerateArray().Single(a => a.GetProperty("id").GetInt64() == _fixture.BotAlertId);
        Assert.Equal(AlertsFixture.Rule, listed.GetProperty("rule").GetString());
        Assert.Equal(AlertsFixture.Bot, listed.GetProperty("key").GetString());
        Assert.Equal("hold", listed.GetProperty("action").GetString());

        var detail = await client.GetFromJsonAsync<JsonElement>(U($"/api/alerts/{_fixture.BotAlertId}"));
        var evidence = detail.GetProperty("evidence");
        Assert.Equal("messages.10m >= 3", evidence.GetProperty("condition").GetString());
        Assert.Contains(evidence.GetProperty("figures").EnumerateArray(), f => f.GetProperty("key").GetString() == "messages.10m" && f.GetProperty("value").GetDouble() >= 3);
        Assert.NotEmpty(evidence.GetProperty("top_domains").EnumerateArray());
        Assert.Contains(evidence.GetProperty("sample_message_ids").EnumerateArray(), id => id.GetString()!.StartsWith("<test.", StringComparison.Ordinal) || id.GetString()!.StartsWith("test.", StringComparison.Ordinal));
        Assert.NotEmpty(evidence.GetProperty("subject_hashes").EnumerateArray());
        Assert.Equal(AlertsFixture.Bot, detail.GetProperty("account").GetProperty("account").GetString());
        Assert.Equal("acme", detail.GetProperty("account").GetProperty("tenant").GetString());
        var recent = detail.GetProperty("recent").EnumerateArray().ToList();
        Assert.True(recent.Count >= 5, $"{recent.Count} recent records");
        Assert.Contains(recent, r => r.GetProperty("action").GetString() == "hold" && r.GetProperty("reasons").EnumerateArray().Any(x => x.GetProperty("rule").GetString() == AlertsFixture.Rule));
        Assert.True(DateTimeOffset.Parse(recent[0].GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            >= DateTimeOffset.Parse(recent[^1].GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Bad_input_gets_400_and_unknown_things_404()
    {
        using var admin = _console.Client(_console.AdminToken);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync(U("/api/alerts?status=bogus"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync(U("/api/alerts?limit=0"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync(U("/api/queue?limit=0"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(U("/api/alerts/999999"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(U("/api/alerts/not-a-number"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U($"/api/alerts/{_fixture.BotAlertId}/dismiss"), new { reason = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U($"/api/alerts/{_fixture.BotAlertId}/dismiss"), new { reason = "x", allow = true, allow_hours = -1 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync(U($"/api/alerts/{_fixture.BotAlertId}/dismiss"), new StringContent("{nope", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync(U("/api/alerts/999999/dismiss"), new { reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync(U("/api/accounts/nobody%40nowhere.example/suspend"), new { reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(U("/api/accounts/acme%2Fnot-an-ip"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U($"/api/accounts/{s_bot}/suspend"), new { reason = new string('x', 501) })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/queue/not-hex!/release"), new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync(U("/api/queue/abcdef0123/release"), new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.DeleteAsync(U("/api/queue/zz"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync(U("/api/queue/abcdef0123/release"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync(U("/api/accounts/acme%2F127.0.0.97/resume"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await admin.PostAsync(U("/api/accounts/acme%2F127.0.0.97/resume"), new StringContent("reason=x", System.Text.Encoding.UTF8, "text/plain"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync(U($"/api/alerts/{_fixture.BotAlertId}/dismiss"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync(U("/api/queue/abcdef0123"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync(U("/api/allowances/999999"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync(U("/api/accounts/acme%2F127.0.0.99/resume"), new { })).StatusCode);
        Assert.Equal("open", (await admin.GetFromJsonAsync<JsonElement>(U($"/api/alerts/{_fixture.BotAlertId}"))).GetProperty("alert").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Suspend_makes_the_relay_refuse_the_account_at_MAIL_and_resume_lifts_it()
    {
        const string account = "acme%2F127.0.0.10";
        var local = AlertsFixture.Local(10);
        Assert.Single(await TestMail.SendAsync(_console.Relay.Endpoint, "alice@acme.example", 1, local: local));

        using var admin = _console.Client(_console.AdminToken);
        var suspended = await admin.PostAsJsonAsync(U($"/api/accounts/{account}/suspend"), new { reason = "confirmed compromise" });
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.Equal("suspended", (await suspended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync(U($"/api/accounts/{account}/suspend"), new { })).StatusCode);

        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => TestMail.SendAsync(_console.Relay.Endpoint, "alice@acme.example", 1, local: local));
        Assert.Equal(SmtpErrorCode.SenderNotAccepted, refused.ErrorCode);
        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Contains(_console.Relay.Host.Control.History("account:acme/127.0.0.10", 10),
            e => e.Action == "account.suspend" && e.By == "token:test-admin" && e.Why == "confirmed compromise");

        var detail = await admin.GetFromJsonAsync<JsonElement>(U($"/api/accounts/{account}"));
        Assert.Equal("suspended", detail.GetProperty("state").GetProperty("state").GetString());

        var resumed = await admin.PostAsJsonAsync(U($"/api/accounts/{account}/resume"), new { reason = "password reset" });
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("active", (await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Single(await TestMail.SendAsync(_console.Relay.Endpoint, "alice@acme.example", 1, local: local, first: 100));
    }

    [Fact]
    public async Task Dismissing_with_an_allowance_stops_the_rule_acting_on_that_key()
    {
        const string key = "globex/127.0.0.20";
        var local = AlertsFixture.Local(20);
        await TestMail.SendAsync(_console.Relay.Endpoint, "news@globex.example", 3, local: local);
        long id = await AlertsFixture.WaitForAlertAsync(_console, key);
        Assert.Single(_console.Relay.Host.Spool.List(held: true), q => HeldBy(q, key));

        using var admin = _console.Client(_console.AdminToken);
        var reply = await admin.PostAsJsonAsync(U($"/api/alerts/{id}/dismiss"), new { reason = "monthly newsletter", allow = true, allow_hours = 48 });
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var body = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("dismissed", body.GetProperty("alert").GetProperty("status").GetString());
        Assert.Equal(AlertsFixture.Rule, body.GetProperty("allowance").GetProperty("rule").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync(U($"/api/alerts/{id}/dismiss"), new { reason = "again" })).StatusCode);

        // The monitor still counts the key, but the rule no longer holds its mail.
        await TestMail.SendAsync(_console.Relay.Endpoint, "news@globex.example", 3, local: local, first: 10);
        Assert.Single(_console.Relay.Host.Spool.List(held: true), q => HeldBy(q, key));
        await _console.Relay.Host.Records.FlushAsync(CancellationToken.None);
        var latest = await _console.Relay.Host.Records.QueryAsync(new DecisionQuery { Account = key, Limit = 3 }, CancellationToken.None);
        Assert.All(latest, r => Assert.Equal(VerdictAction.Relay, r.Action));
        Assert.Contains("monitor.allowed", _console.Relay.Log, StringComparison.Ordinal);

        var dismissed = await admin.GetFromJsonAsync<JsonElement>(U("/api/alerts?status=dismissed"));
        Assert.Contains(dismissed.EnumerateArray(), a => a.GetProperty("id").GetInt64() == id && a.GetProperty("dismissed_by").GetString() == "token:test-admin");
        Assert.DoesNotContain((await admin.GetFromJsonAsync<JsonElement>(U("/api/alerts"))).EnumerateArray(), a => a.GetProperty("id").GetInt64() == id);
        var allowances = await admin.GetFromJsonAsync<JsonElement>(U("/api/allowances"));
        long allowanceId = allowances.EnumerateArray().Single(a => a.GetProperty("key").GetString() == key).GetProperty("id").GetInt64();
        var history = _console.Relay.Host.Control.History(null, 50);
        Assert.Contains(history, e => e.Action == "alert.dismiss" && e.Subject == $"alert:{id}" && e.Why!.Contains("monthly newsletter", StringComparison.Ordinal));
        Assert.Contains(history, e => e.Action == "monitor.allow" && e.Subject == "account:" + key);

        // Withdrawn: the rule acts again.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U($"/api/allowances/{allowanceId}?reason=over"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync(U($"/api/allowances/{allowanceId}"))).StatusCode);
        await TestMail.SendAsync(_console.Relay.Endpoint, "news@globex.example", 1, local: local, first: 20);
        Assert.Equal(2, _console.Relay.Host.Spool.List(held: true).Count(q => HeldBy(q, key)));
    }

    private bool HeldBy(string id, string account) =>
        _console.Relay.Host.Spool.TryRead(id, out var envelope, out _, held: true) && envelope.Account == account;

    [Fact]
    public async Task Held_mail_is_listed_released_and_deleted()
    {
        using var admin = _console.Client(_console.AdminToken);
        var held = (await admin.GetFromJsonAsync<JsonElement>(U($"/api/queue?held=true&account={s_bot}"))).EnumerateArray().ToList();
        Assert.Equal(3, held.Count);
        Assert.All(held, m => Assert.True(m.GetProperty("held").GetBoolean()));
        string first = held[0].GetProperty("id").GetString()!;
        string second = held[1].GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync(U($"/api/queue/{first}/release"), new { reason = "customer confirmed" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync(U($"/api/queue/{first}/release"), new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U($"/api/queue/{second}?reason=spam"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync(U($"/api/queue/{second}"))).StatusCode);

        var rest = await admin.DeleteAsync(U($"/api/accounts/{s_bot}/held?reason=cleanup"));
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        Assert.Equal(1, (await rest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32());
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>(U($"/api/queue?held=true&account={s_bot}"))).EnumerateArray());
        var released = await admin.PostAsJsonAsync(U($"/api/accounts/{s_bot}/held/release"), new { });
        Assert.Equal(0, (await released.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32());

        var history = _console.Relay.Host.Control.History(null, 100);
        Assert.Contains(history, e => e.Action == "queue.release" && e.Subject == "queue:" + first && e.By == "token:test-admin" && e.Why!.Contains("customer confirmed", StringComparison.Ordinal));
        Assert.Contains(history, e => e.Action == "queue.delete" && e.Subject == "queue:" + second && e.Why!.Contains("spam", StringComparison.Ordinal));
        Assert.Contains(history, e => e.Action == "account.delete-held" && e.Subject == "account:" + AlertsFixture.Bot);
        Assert.True(await TestRelay.EventuallyAsync(() => !_console.Relay.Host.Spool.List().Contains(first), TimeSpan.FromSeconds(10)), "the released message was not delivered");
    }

    [Fact]
    public async Task Session_writes_need_the_csrf_header()
    {
        using var client = await _console.SignInAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        var without = await client.PostAsJsonAsync(U("/api/accounts/acme%2F127.0.0.98/resume"), new { });
        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        Assert.Contains("CSRF", await without.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var session = await client.GetFromJsonAsync<JsonElement>(U("/api/session"));
        using var request = new HttpRequestMessage(HttpMethod.Post, U("/api/accounts/acme%2F127.0.0.98/resume")) { Content = JsonContent.Create(new { }) };
        request.Headers.Add(session.GetProperty("csrf_header").GetString()!, session.GetProperty("csrf_token").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task OpenApi_lists_the_alert_and_queue_routes()
    {
        using var client = _console.Client();
        using var document = JsonDocument.Parse(await client.GetStringAsync(U("/openapi/v1.json")));
        var paths = document.RootElement.GetProperty("paths");
        foreach (string path in (string[])["/api/alerts", "/api/alerts/{id}", "/api/alerts/{id}/dismiss", "/api/accounts/{account}/suspend", "/api/queue", "/api/queue/{id}/release", "/api/queue/{id}", "/api/allowances/{id}"])
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }
}
