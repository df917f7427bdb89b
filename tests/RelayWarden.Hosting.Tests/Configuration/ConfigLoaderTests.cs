using System.Net;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Hosting.Tests.Configuration;

public class ConfigLoaderTests
{
    private const string Source = "/etc/relaywarden/test.yaml";

    private static ConfigException Refused(string yaml) => Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, Source));

    private static ConfigError Single(string yaml)
    {
        var exception = Refused(yaml);
        return Assert.Single(exception.Errors);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RelayWarden.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("RelayWarden.slnx not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void The_quickstart_configuration_loads()
    {
        var config = ConfigLoader.LoadFile(Path.Combine(RepositoryRoot(), "examples", "quickstart.yaml"));

        Assert.Equal(["acme", "globex", "trial-7731", "partner-trial"], config.Directory.Tenants.Select(t => t.Id));
        Assert.Equal("acme", config.Directory.FindOwner("mail.acme.example")?.Tenant.Id);
        Assert.Null(config.Directory.FindOwner("sub.acme-mail.example"));
        Assert.Equal("acme", config.Directory.FindNetwork(IPAddress.Parse("2001:db8::25"))?.Id);
        Assert.Equal("acme", config.Directory.FindLogin("ALICE@acme.example")?.Tenant.Id);
        Assert.Equal(TenantKind.Trial, config.Directory.FindTenant("trial-7731")!.Kind);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2525), config.Listen.Smtp);
        Assert.True(config.Listen.SmtpAuthWithoutTls);
        Assert.Equal(1000, config.Relay.MaxRecipients);
        Assert.Equal(Path.GetFullPath(Path.Combine(RepositoryRoot(), "var")), config.DataDir);
    }

    [Fact]
    public void A_minimal_configuration_gets_the_defaults()
    {
        var config = ConfigLoader.Load("tenants:\n  - id: acme\n    domains: [acme.example]\n", Source);

        Assert.Equal(RuleAction.Defer, config.Policy.ErrorAction);
        Assert.True(config.Blocklist.IsEmpty);
        Assert.Null(config.Listen.Smtp);
        Assert.Equal("/etc/relaywarden/var", config.DataDir);
        var tenant = config.Directory.FindTenant("acme")!;
        Assert.Equal(TenantKind.Paid, tenant.Kind);
        Assert.True(tenant.AllowsExternalFrom);
    }

    [Fact]
    public void An_unknown_tenant_kind_is_refused_with_its_place_and_line()
    {
        var error = Single("tenants:\n  - id: acme\n    kind: free\n    domains: [acme.example]\n");

        Assert.Equal("tenants[acme].kind", error.Place);
        Assert.Equal("'free' is not one of: paid, trial", error.Message);
        Assert.Equal(3, error.Line);
    }

    [Theory]
    [InlineData("300.1.2.3/24", "'300.1.2.3/24' is not a CIDR network")]
    [InlineData("192.0.2.0/33", "'192.0.2.0/33' is not a CIDR network")]
    [InlineData("not-a-network", "'not-a-network' is not a CIDR network")]
    [InlineData("192.0.2.1/24", "'192.0.2.1/24' has host bits set beyond the prefix (did you mean 192.0.2.0/24?)")]
    [InlineData("2001:db8::1/48", "has host bits set beyond the prefix (did you mean 2001:db8::/48?)")]
    public void A_bad_network_is_refused_with_its_place(string network, string message)
    {
        var error = Single($"tenants:\n  - id: acme\n    domains: [acme.example]\n    networks: [\"{network}\"]\n");

        Assert.Equal("tenants[acme].networks", error.Place);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void A_single_address_is_a_host_network()
    {
        var config = ConfigLoader.Load("tenants:\n  - id: acme\n    networks: [192.0.2.7, \"2001:db8::7\"]\n", Source);
        Assert.Equal("acme", config.Directory.FindNetwork(IPAddress.Parse("192.0.2.7"))?.Id);
        Assert.Null(config.Directory.FindNetwork(IPAddress.Parse("192.0.2.8")));
    }

    [Fact]
    public void A_domain_claimed_by_two_tenants_is_refused_whatever_its_spelling()
    {
        var error = Single("tenants:\n  - id: acme\n    domains: [shared.example]\n  - id: globex\n    domains: [SHARED.Example]\n");

        Assert.Equal("tenants[globex].domains", error.Place);
        Assert.Equal("domain 'shared.example' is already claimed by tenant 'acme'", error.Message);
    }

    [Fact]
    public void A_network_claimed_by_two_tenants_is_refused()
    {
        var error = Single("tenants:\n  - id: acme\n    networks: [192.0.2.0/24]\n  - id: globex\n    networks: [192.0.2.0/24]\n");
        Assert.Equal("tenants[globex].networks", error.Place);
        Assert.Contains("already claimed by tenant 'acme'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_login_in_two_tenants_is_refused_whatever_its_case()
    {
        var error = Single("tenants:\n  - id: acme\n    users: [{login: admin@shared.example}]\n  - id: globex\n    users: [{login: Admin@Shared.Example}]\n");

        Assert.Equal("tenants[globex].users", error.Place);
        Assert.Equal("login 'Admin@Shared.Example' already belongs to tenant 'acme'", error.Message);
    }

    [Theory]
    [InlineData("xn--zz.example", "invalid internationalized name")]
    [InlineData("acme.example.", "trailing dot")]
    [InlineData("ac_me.example", "characters other than letters, digits and hyphens")]
    [InlineData("ｇｌｏｂｅｘ.example", "invalid internationalized name")]
    public void An_invalid_domain_is_refused_with_the_reason(string domain, string reason)
    {
        var error = Single($"tenants:\n  - id: acme\n    domains:\n      - ok.example\n      - \"{domain}\"\n");

        Assert.Equal("tenants[acme].domains[1]", error.Place);
        Assert.Equal($"'{domain}' is not a valid domain name ({reason})", error.Message);
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void A_Unicode_domain_is_stored_as_its_A_label()
    {
        var config = ConfigLoader.Load("tenants:\n  - id: buecher\n    domains: [BÜCHER.example]\n", Source);
        Assert.Equal("buecher", config.Directory.FindOwner("xn--bcher-kva.example")?.Tenant.Id);
    }

    [Theory]
    [InlineData("tenant:\n  - id: acme\n", "(root).tenant")]
    [InlineData("tenants:\n  - id: acme\n    domain: [acme.example]\n", "tenants[acme].domain")]
    [InlineData("tenants:\n  - id: acme\n    users: [{login: a@acme.example, pasword_hash: x}]\n", "tenants[acme].users[0].pasword_hash")]
    [InlineData("listen:\n  smpt: 127.0.0.1:25\ntenants:\n  - id: acme\n", "listen.smpt")]
    [InlineData("policy:\n  rule_action: {}\ntenants:\n  - id: acme\n", "policy.rule_action")]
    public void Unknown_keys_are_refused_so_that_typos_never_pass(string yaml, string place)
    {
        var exception = Refused(yaml);
        var error = Assert.Single(exception.Errors, e => e.Place == place);
        Assert.StartsWith("unknown key (expected one of:", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line > 0);
    }

    [Theory]
    [InlineData("tenants:\n  - id: acme\n    domains: [acme.example\n")]
    [InlineData("tenants: [\n")]
    [InlineData("tenants:\n  - id: acme\n   bad-indent: x\n")]
    [InlineData("tenants:\n  - id: 'acme\n")]
    public void Bad_YAML_is_refused_with_a_line(string yaml)
    {
        var error = Single(yaml);
        Assert.Equal("(yaml)", error.Place);
        Assert.NotEmpty(error.Message);
        Assert.True(error.Line > 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("just a string\n")]
    [InlineData("- a\n- b\n")]
    public void A_document_that_is_not_a_mapping_is_refused(string yaml) => Assert.Equal("(root)", Single(yaml).Place);

    [Theory]
    [InlineData("tenants:\n")]
    [InlineData("tenants: []\n")]
    public void An_empty_tenant_list_is_refused(string yaml) => Assert.Equal("tenants", Single(yaml).Place);

    [Fact]
    public void A_configuration_without_tenants_is_refused()
    {
        var error = Single("data_dir: var\n");
        Assert.Equal("tenants", error.Place);
        Assert.Contains("at least one tenant", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Acme", "tenants[Acme].id")]
    [InlineData("acme corp", "tenants[acme corp].id")]
    public void A_bad_tenant_id_is_refused(string id, string place) => Assert.Equal(place, Single($"tenants:\n  - id: \"{id}\"\n").Place);

    [Fact]
    public void A_tenant_id_used_twice_is_refused()
    {
        var error = Single("tenants:\n  - id: acme\n  - id: acme\n");
        Assert.Equal("tenants[acme].id", error.Place);
        Assert.Contains("used twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_login_address_outside_its_tenant_is_refused()
    {
        var error = Single("tenants:\n  - id: acme\n    domains: [acme.example]\n    users: [{login: a, addresses: [ceo@globex.example]}]\n  - id: globex\n    domains: [globex.example]\n");
        Assert.Equal("tenants[acme].users[a].addresses", error.Place);
        Assert.Equal("ceo@globex.example is in a domain of tenant 'globex'", error.Message);
    }

    [Fact]
    public void An_unknown_rule_id_in_rule_actions_is_refused()
    {
        var error = Single("policy:\n  rule_actions:\n    sender.from.other-tenant: monitor\n    sender.form.other-tenant: monitor\ntenants:\n  - id: acme\n");
        Assert.Equal("policy.rule_actions.sender.form.other-tenant", error.Place);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void Rule_actions_and_the_error_action_are_read()
    {
        var config = ConfigLoader.Load("policy:\n  error_action: reject\n  rule_actions:\n    sender.from.external: hold\ntenants:\n  - id: acme\n", Source);
        Assert.Equal(RuleAction.Reject, config.Policy.ErrorAction);
        Assert.Equal(RuleAction.Hold, config.Policy.ActionFor(RuleIds.FromExternal));
        Assert.Equal(RuleAction.Reject, config.Policy.ActionFor(RuleIds.FromMissing));
    }

    [Fact]
    public void The_monitor_header_is_read_and_off_by_default()
    {
        Assert.Null(ConfigLoader.Load("tenants:\n  - id: acme\n", Source).Policy.MonitorHeader);
        var config = ConfigLoader.Load("policy:\n  monitor_header: X-RelayWarden-Monitor\ntenants:\n  - id: acme\n", Source);
        Assert.Equal("X-RelayWarden-Monitor", config.Policy.MonitorHeader);
    }

    [Theory]
    [InlineData("\"X Monitor\"")]
    [InlineData("\"X-Monitor:\"")]
    [InlineData("\"X-Ümlaut\"")]
    public void A_monitor_header_that_is_not_a_field_name_is_refused(string name)
    {
        var error = Single($"policy:\n  monitor_header: {name}\ntenants:\n  - id: acme\n");
        Assert.Equal("policy.monitor_header", error.Place);
        Assert.Contains("header field name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{kind: ip, value: 192.0.2.1/24}", "blocklist[0].value", "host bits set")]
    [InlineData("{kind: domain, value: bad..example}", "blocklist[0].value", "not a valid domain")]
    [InlineData("{kind: address, value: nobody}", "blocklist[0].value", "not a valid address")]
    [InlineData("{kind: network, value: 192.0.2.1}", "blocklist[0].kind", "is not one of: ip, login, domain, address")]
    [InlineData("{kind: ip}", "blocklist[0].value", "missing")]
    [InlineData("{kind: ip, value: 192.0.2.1, expires: tomorrow}", "blocklist[0].expires", "ISO-8601")]
    public void Bad_blocklist_entries_are_refused_with_their_place(string entry, string place, string message)
    {
        var error = Single($"blocklist:\n  - {entry}\ntenants:\n  - id: acme\n");
        Assert.Equal(place, error.Place);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blocklist_entries_are_normalized()
    {
        var config = ConfigLoader.Load("blocklist:\n  - {kind: domain, value: OLD.Acme.Example}\n  - {kind: ip, value: 192.0.2.7}\ntenants:\n  - id: acme\n", Source);
        Assert.Equal(["old.acme.example", "192.0.2.7/32"], config.Blocklist.Entries.Select(e => e.Value));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var exception = Refused("listen:\n  smtp: nowhere\ntenants:\n  - id: acme\n    kind: free\n    networks: [192.0.2.1/24]\n");

        Assert.Equal(["listen.smtp", "tenants[acme].kind", "tenants[acme].networks"], exception.Errors.Select(e => e.Place));
        Assert.Contains("3 configuration error(s)", exception.Message, StringComparison.Ordinal);
        Assert.Contains("line 2: listen.smtp:", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("listen:\n  milter: tcp:8891\ntenants:\n  - id: a\n", "listen.milter")]
    [InlineData("listen:\n  milter: inet:127.0.0.1\ntenants:\n  - id: a\n", "listen.milter")]
    [InlineData("listen:\n  event_loops: -1\ntenants:\n  - id: a\n", "listen.event_loops")]
    [InlineData("listen:\n  event_loops: many\ntenants:\n  - id: a\n", "listen.event_loops")]
    [InlineData("relay:\n  next_hop: ftp://x\ntenants:\n  - id: a\n", "relay.next_hop")]
    [InlineData("relay:\n  max_recipients: 0\ntenants:\n  - id: a\n", "relay.max_recipients")]
    [InlineData("listen:\n  smtp_auth_without_tls: maybe\ntenants:\n  - id: a\n", "listen.smtp_auth_without_tls")]
    [InlineData("tenants:\n  - id: a\n    created_at: yesterday\n", "tenants[a].created_at")]
    [InlineData("tenants:\n  - id: a\n    status: frozen\n", "tenants[a].status")]
    [InlineData("tenants:\n  - id: a\n    external_from: sometimes\n", "tenants[a].external_from")]
    public void Other_bad_values_are_refused_with_their_place(string yaml, string place) => Assert.Equal(place, Single(yaml).Place);

    [Theory]
    [InlineData("", null)]
    [InlineData("  event_loops: 0\n", 0)]
    [InlineData("  event_loops: 1\n", 1)]
    public void Event_loops_of_the_MTA_doors_are_read_from_listen(string line, int? expected)
    {
        var config = ConfigLoader.Load("listen:\n  policy: 127.0.0.1:0\n" + line + "tenants:\n  - id: a\n", Source);
        Assert.Equal(expected, config.Listen.EventLoops);
    }

    [Fact]
    public void Duplicate_keys_are_refused_as_configuration_errors()
    {
        var exception = Refused("tenants:\n  - id: acme\ntenants:\n  - id: globex\n");
        Assert.NotEmpty(exception.Errors);
    }

    [Fact]
    public void An_unreadable_file_is_an_IO_error_not_a_crash()
    {
        Assert.ThrowsAny<IOException>(() => ConfigLoader.LoadFile(Path.Combine(Path.GetTempPath(), "relaywarden-missing-" + Guid.NewGuid().ToString("N") + ".yaml")));
    }
}
