using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Hosting.Tests.Configuration;

public class AlertConfigTests
{
    private const string Tenants = "tenants:\n  - id: acme\n    domains: [acme.example]\n";

    [Fact]
    public void Without_an_alerts_section_only_the_store_and_the_log_get_alerts()
    {
        var alerts = ConfigLoader.Load(Tenants, "/etc/relaywarden.yaml").Alerts;
        Assert.Null(alerts.Webhook);
        Assert.Null(alerts.Email);
    }

    [Fact]
    public void Webhook_and_email_channels_are_read_with_their_defaults()
    {
        string yaml = Tenants + """
            alerts:
              webhook: { url: "https://hooks.example/relaywarden", max_attempts: 3 }
              email: { to: [ops@provider.example, Abuse@Provider.example], from: relaywarden@relay.example }
            """;
        var alerts = ConfigLoader.Load(yaml, "/etc/relaywarden.yaml").Alerts;
        Assert.Equal(new Uri("https://hooks.example/relaywarden"), alerts.Webhook!.Url);
        Assert.Equal(3, alerts.Webhook.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(5), alerts.Webhook.Timeout);
        Assert.Equal(["ops@provider.example", "Abuse@provider.example"], alerts.Email!.To);
        Assert.Equal("relaywarden@relay.example", alerts.Email.From);
    }

    [Theory]
    [InlineData("alerts:\n  webhook: { url: \"ftp://x.example/\" }\n", "alerts.webhook.url")]
    [InlineData("alerts:\n  webhook: { url: \"http://x.example/\", max_attempts: 0 }\n", "alerts.webhook.max_attempts")]
    [InlineData("alerts:\n  email: { to: [] }\n", "alerts.email.to")]
    [InlineData("alerts:\n  pager: {}\n", "pager")]
    public void Bad_alert_settings_are_errors_naming_the_key(string yaml, string place)
    {
        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Tenants + yaml, "/etc/relaywarden.yaml"));
        Assert.Contains(place, exception.Message, StringComparison.Ordinal);
    }
}
