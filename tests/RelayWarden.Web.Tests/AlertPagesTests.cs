using System.Net;
using RelayWarden.Core.Control;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests;

/// <summary>The alert list and alert pages: what admins and analysts see, and the forms' actions.</summary>
public sealed class AlertPagesTests : IClassFixture<AlertsFixture>
{
    private readonly AlertsFixture _fixture;
    private readonly TestConsole _console;

    public AlertPagesTests(AlertsFixture fixture)
    {
        _fixture = fixture;
        _console = fixture.Console;
    }

    private static Uri U(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task The_list_shows_open_alerts_and_links_to_each()
    {
        using var client = await _console.SignInAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        string page = await client.GetStringAsync(U("/alerts"));
        Assert.Contains($"href=\"/alerts/{_fixture.BotAlertId}\"", page, StringComparison.Ordinal);
        Assert.Contains(AlertsFixture.Rule, page, StringComparison.Ordinal);
        Assert.Contains(AlertsFixture.Bot, page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(U("/alerts?status=dismissed"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(U("/alerts/999999"))).StatusCode);
    }

    [Fact]
    public async Task The_alert_page_shows_evidence_activity_and_buttons_by_role()
    {
        using var admin = await _console.SignInAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        string page = await admin.GetStringAsync(U($"/alerts/{_fixture.BotAlertId}"));
        Assert.Contains("messages.10m &gt;= 3", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"top-domains\"", page, StringComparison.Ordinal);
        Assert.Contains("dest", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"recent\"", page, StringComparison.Ordinal);
        Assert.Matches("data-testid=\"suspend\"(?! disabled)", page);

        using var analyst = await _console.SignInAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        string readOnly = await analyst.GetStringAsync(U($"/alerts/{_fixture.BotAlertId}"));
        Assert.Contains("data-testid=\"suspend\" disabled", readOnly, StringComparison.Ordinal);
        Assert.Contains("Read-only", readOnly, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_analyst_posting_the_form_is_refused_and_nothing_changes()
    {
        using var analyst = await _console.SignInAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        string page = await analyst.GetStringAsync(U($"/alerts/{_fixture.BotAlertId}"));
        var reply = await analyst.PostAsync(U($"/alerts/{_fixture.BotAlertId}?handler=Suspend"), Form(page, ("reason", "try")));
        Assert.Equal(HttpStatusCode.Redirect, reply.StatusCode);
        Assert.StartsWith("/denied", reply.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Null(_console.Relay.Host.Control.FindSuspension(SuspensionScope.Account, AlertsFixture.Bot));
    }

    [Fact]
    public async Task An_admin_suspends_resumes_and_dismisses_from_the_page()
    {
        using var admin = await _console.SignInAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        string page = await admin.GetStringAsync(U($"/alerts/{_fixture.BotAlertId}"));
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostAsync(U($"/alerts/{_fixture.BotAlertId}?handler=Suspend"), Form(page, ("reason", "phished")))).StatusCode);
        Assert.NotNull(_console.Relay.Host.Control.FindSuspension(SuspensionScope.Account, AlertsFixture.Bot));
        page = await admin.GetStringAsync(U($"/alerts/{_fixture.BotAlertId}"));
        Assert.Contains("Suspended relay-bot@acme.example", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"account-state\">suspended", page, StringComparison.Ordinal);
        Assert.Contains("account.suspend", page, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostAsync(U($"/alerts/{_fixture.BotAlertId}?handler=Resume"), Form(page, ("reason", "reset")))).StatusCode);
        Assert.Null(_console.Relay.Host.Control.FindSuspension(SuspensionScope.Account, AlertsFixture.Bot));

        var missing = await admin.PostAsync(U($"/alerts/{_fixture.BotAlertId}?handler=Dismiss"), Form(page, ("reason", " ")));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("reason", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var dismissed = await admin.PostAsync(U($"/alerts/{_fixture.BotAlertId}?handler=Dismiss"), Form(page, ("reason", "known bulk sender"), ("allow", "true"), ("allowHours", "24")));
        Assert.Equal(HttpStatusCode.Redirect, dismissed.StatusCode);
        var triaged = _console.Relay.Host.Triage.FindAlert(_fixture.BotAlertId)!;
        Assert.False(triaged.Open);
        Assert.Equal(TestConsole.AdminName, triaged.Dismissal!.By);
        Assert.True(_console.Relay.Host.Monitor.Allowances.IsAllowed(AlertsFixture.Rule, AlertsFixture.Bot, DateTimeOffset.UtcNow.AddHours(23)));
        Assert.False(_console.Relay.Host.Monitor.Allowances.IsAllowed(AlertsFixture.Rule, AlertsFixture.Bot, DateTimeOffset.UtcNow.AddHours(25)));
    }

    private static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields)
    {
        var values = fields.ToDictionary(f => f.Name, f => f.Value);
        values["__RequestVerificationToken"] = TestConsole.FormToken(page);
        return new FormUrlEncodedContent(values);
    }
}
