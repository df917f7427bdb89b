using System.Text;
using RelayWarden.TestSupport;

namespace RelayWarden.Cli.Tests.Commands;

/// <summary><c>relaywarden domain</c> against a private dnsmasq: claim prints the record, verify finds it, override needs a reason.</summary>
public sealed class DomainCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rw-cli-domain-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly DnsmasqServer _dns = DnsmasqServer.Start(["cli.test"]);

    public DomainCommandTests()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Config, $"""
            data_dir: var
            tenants:
              - id: acme
                domains: [acme.example]
            domain_claims:
              dns_servers: ["{_dns.Address}"]
              dns_timeout: 2s
            """);
    }

    private string Config => Path.Combine(_folder, "relaywarden.yaml");

    public void Dispose()
    {
        _dns.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = Program.Run(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(string.Empty)));
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Claim_verify_override_and_list()
    {
        var claim = Run("domain", "claim", "--config", Config, "--tenant", "acme", "new.cli.test", "--by", "ops");
        Assert.Equal(0, claim.Exit);
        var token = System.Text.RegularExpressions.Regex.Match(claim.Out, "relaywarden-verify=([0-9a-f]{32})").Groups[1].Value;
        Assert.Contains($"publish: _relaywarden.new.cli.test. IN TXT \"relaywarden-verify={token}\"", claim.Out, StringComparison.Ordinal);

        var again = Run("domain", "claim", "--config", Config, "--tenant", "acme", "new.cli.test");
        Assert.Equal((1, "relaywarden domain claim: tenant 'acme' has already claimed new.cli.test (pending)\n"), (again.Exit, again.Err));

        var missing = Run("domain", "verify", "--config", Config, "new.cli.test");
        Assert.Equal(1, missing.Exit);
        Assert.Contains("state=failed", missing.Out, StringComparison.Ordinal);
        Assert.Contains("no TXT record at _relaywarden.new.cli.test (NXDOMAIN)", missing.Out, StringComparison.Ordinal);

        _dns.Publish(("_relaywarden.new.cli.test", "relaywarden-verify=" + token));
        var verified = Run("domain", "verify", "--config", Config, "new.cli.test");
        Assert.Equal(0, verified.Exit);
        Assert.Contains("state=verified", verified.Out, StringComparison.Ordinal);

        Assert.Equal(0, Run("domain", "claim", "--config", Config, "--tenant", "acme", "other.cli.test").Exit);
        Assert.Equal(2, Run("domain", "override", "--config", Config, "other.cli.test", "--reason", " ").Exit);
        var overridden = Run("domain", "override", "--config", Config, "other.cli.test", "--reason", "signed contract", "--by", "carol");
        Assert.Equal(0, overridden.Exit);
        Assert.Contains("overridden by carol: signed contract", overridden.Out, StringComparison.Ordinal);

        var list = Run("domain", "list", "--config", Config);
        Assert.Contains("new.cli.test  tenant=acme  state=verified", list.Out, StringComparison.Ordinal);
        Assert.Contains("other.cli.test  tenant=acme  state=overridden", list.Out, StringComparison.Ordinal);
        Assert.EndsWith("2 claims\n", list.Out, StringComparison.Ordinal);

        Assert.Equal(0, Run("domain", "unclaim", "--config", Config, "other.cli.test").Exit);
        Assert.Equal(1, Run("domain", "unclaim", "--config", Config, "other.cli.test").Exit);
        Assert.Equal(2, Run("domain", "claim", "--config", Config, "--tenant", "acme", "bad domain").Exit);
    }
}
