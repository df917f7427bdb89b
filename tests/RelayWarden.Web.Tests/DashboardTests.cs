using System.Text.RegularExpressions;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests;

/// <summary>The dashboard on real traffic: open alerts, the per-minute chart, top accounts and top refusing rules.</summary>
public sealed class DashboardTests : IClassFixture<AlertsFixture>
{
    private readonly AlertsFixture _fixture;

    public DashboardTests(AlertsFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task The_dashboard_shows_alerts_chart_top_accounts_and_rules()
    {
        var console = _fixture.Console;
        // A refusal for the rule table: an unauthenticated client outside every tenant network.
        await Assert.ThrowsAnyAsync<MailKit.CommandException>(() => TestMail.SendAsync(console.Relay.Endpoint, "someone@elsewhere.example", 1, local: AlertsFixture.Local(77)));
        await console.Relay.Host.Records.FlushAsync(CancellationToken.None);

        using var client = await console.SignInAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        string page = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains($"data-testid=\"open-alerts\">{console.Relay.Host.Triage.OpenCount()}<", page, StringComparison.Ordinal);
        Assert.Contains($"href=\"/alerts/{_fixture.BotAlertId}\"", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"dashboard-chart\"", page, StringComparison.Ordinal);
        var messages = Regex.Match(page, "data-series=\"messages\" points=\"([^\"]*)\"");
        Assert.True(messages.Success);
        Assert.Equal(1440, messages.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("data-series=\"refused\"", page, StringComparison.Ordinal);
        Assert.Matches("data-testid=\"accepted-24h\">([5-9]|[1-9][0-9]+)<", page);
        Assert.Matches("data-testid=\"refused-24h\">[1-9][0-9]*<", page);
        Assert.Contains("records/account?account=relay-bot%40acme.example", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"top-rules\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", page, StringComparison.Ordinal);
    }
}
