using System.Net;
using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Hosting.Tests.Configuration;

public class DomainClaimConfigTests
{
    private const string Tenants = "tenants:\n  - id: acme\n    domains: [acme.example]\n";

    [Fact]
    public void Without_the_section_claims_use_the_system_resolvers_and_the_default_label()
    {
        var options = ConfigLoader.Load(Tenants, "/etc/relaywarden.yaml").DomainClaims;
        Assert.Equal("_relaywarden", options.VerifyLabel);
        Assert.Empty(options.DnsServers);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DnsTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.RecheckInterval);
        Assert.Equal("_relaywarden.new.example", options.RecordName("new.example"));
        Assert.Equal("relaywarden-verify=abc", DomainClaimOptions.RecordValue("abc"));
    }

    [Fact]
    public void Label_servers_timeout_and_recheck_are_read()
    {
        string yaml = Tenants + """
            domain_claims:
              verify_label: _Verify._relay
              dns_servers: ["127.0.0.1:5353", "192.0.2.53", "[::1]:53"]
              dns_timeout: 500ms
              recheck_interval: "off"
            """;
        var options = ConfigLoader.Load(yaml, "/etc/relaywarden.yaml").DomainClaims;
        Assert.Equal("_verify._relay", options.VerifyLabel);
        Assert.Equal([IPEndPoint.Parse("127.0.0.1:5353"), IPEndPoint.Parse("192.0.2.53:53"), IPEndPoint.Parse("[::1]:53")], options.DnsServers);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.DnsTimeout);
        Assert.Null(options.RecheckInterval);
    }

    [Theory]
    [InlineData("domain_claims:\n  verify_label: \"bad label\"\n", "domain_claims.verify_label: 'bad label' is not a DNS label")]
    [InlineData("domain_claims:\n  verify_label: \"-x\"\n", "domain_claims.verify_label")]
    [InlineData("domain_claims:\n  dns_servers: [\"dns.example\"]\n", "domain_claims.dns_servers: 'dns.example' is not ADDRESS or ADDRESS:PORT")]
    [InlineData("domain_claims:\n  dns_servers: [\"127.0.0.1:0\"]\n", "domain_claims.dns_servers: '127.0.0.1:0'")]
    [InlineData("domain_claims:\n  dns_servers: [\"256.1.1.1\"]\n", "domain_claims.dns_servers: '256.1.1.1'")]
    [InlineData("domain_claims:\n  dns_timeout: 5 minutes\n", "domain_claims.dns_timeout: '5 minutes' is not a duration")]
    [InlineData("domain_claims:\n  dns_timeout: 2m\n", "domain_claims.dns_timeout: '2m' is out of range")]
    [InlineData("domain_claims:\n  recheck_interval: never\n", "domain_claims.recheck_interval: 'never' is not a duration")]
    [InlineData("domain_claims:\n  verify_token: x\n", "verify_token")]
    public void Bad_claim_settings_are_errors_naming_the_key(string yaml, string expected)
    {
        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Tenants + yaml, "/etc/relaywarden.yaml"));
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }
}
