using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Hosting.Tests.Configuration;

/// <summary>The relay's configuration keys: defaults, parsing, and errors with their place.</summary>
public class RelayConfigTests
{
    private const string Tenants = "tenants:\n  - id: acme\n    domains: [acme.example]\n";

    private static RelayWardenConfig Load(string yaml) => ConfigLoader.Load(yaml + Tenants, "/etc/relaywarden/relaywarden.yaml");

    [Fact]
    public void Relay_keys_have_safe_defaults()
    {
        var config = Load(string.Empty);
        Assert.Equal(TimeSpan.FromDays(5), config.Relay.MaxAge);
        Assert.Equal(TimeSpan.FromMinutes(1), config.Relay.RetryInitial);
        Assert.Equal(TimeSpan.FromMinutes(5), config.Relay.Limits.CommandTimeout);
        Assert.Equal(10, config.Relay.Limits.MaxErrors);
        Assert.Equal(90, config.Records.RetentionDays);
        Assert.Null(config.Tls.CertPath);
    }

    [Fact]
    public void Relay_keys_are_read_with_durations_and_relative_paths()
    {
        var config = Load("""
            listen:
              smtp: 127.0.0.1:0
            relay:
              next_hop: smtp://127.0.0.1:2526
              hostname: relay.example
              retry_initial: 250ms
              max_age: 2h
              delivery_concurrency: 4
              limits: {command_timeout: 30s, data_timeout: 1m, max_connections: 10, max_connections_per_ip: 2, max_errors: 3, command_line_bytes: 1024, data_line_bytes: 2000, max_data_memory: 268435456}
            tls:
              cert: tls/cert.pem
              key: tls/key.pem
            records:
              retention_days: 30

            """);
        Assert.Equal(0, config.Listen.Smtp!.Port);
        Assert.Equal("relay.example", config.Relay.Hostname);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.Relay.RetryInitial);
        Assert.Equal(TimeSpan.FromHours(2), config.Relay.MaxAge);
        Assert.Equal(4, config.Relay.DeliveryConcurrency);
        Assert.Equal(new RelayLimits
        {
            CommandTimeout = TimeSpan.FromSeconds(30), DataTimeout = TimeSpan.FromMinutes(1), MaxConnections = 10, MaxConnectionsPerIp = 2,
            MaxErrors = 3, CommandLineBytes = 1024, DataLineBytes = 2000, MaxDataMemory = 268_435_456,
        }, config.Relay.Limits);
        Assert.Equal("/etc/relaywarden/tls/cert.pem", config.Tls.CertPath);
        Assert.Equal(30, config.Records.RetentionDays);
    }

    [Theory]
    [InlineData("relay:\n  max_age: soon\n", "relay.max_age")]
    [InlineData("relay:\n  retry_initial: 1ms\n", "relay.retry_initial")]
    [InlineData("relay:\n  limits: {max_errors: 0}\n", "relay.limits.max_errors")]
    [InlineData("relay:\n  limits: {max_data_memory: 1000}\n", "relay.limits.max_data_memory")]
    [InlineData("relay:\n  limits: {unknown_limit: 1}\n", "relay.limits")]
    [InlineData("tls:\n  cert: a.pem\n", "tls")]
    [InlineData("records:\n  retention_days: 0\n", "records.retention_days")]
    [InlineData("relay:\n  next_hop: ftp://x\n", "relay.next_hop")]
    public void Bad_relay_key_is_refused_with_its_place(string yaml, string place)
    {
        var error = Assert.Throws<ConfigException>(() => Load(yaml));
        Assert.Contains(place, error.Message, StringComparison.Ordinal);
    }
}
