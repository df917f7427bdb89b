using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using RelayWarden.Core.Directory;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;
using RelayWarden.Mail.Addresses;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RelayWarden.Hosting.Configuration;

/// <summary>
/// Loads and validates the YAML configuration. Every problem is reported with its place; a
/// configuration with any problem is refused whole (the process never starts half-configured).
/// </summary>
public static partial class ConfigLoader
{
    private static readonly string[] s_topKeys = ["data_dir", "listen", "relay", "policy", "blocklist", "tenants", "tls", "records", "monitor", "alerts", "domain_claims"];

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,62})$")]
    private static partial Regex TenantIdPattern();

    /// <summary>Loads a file; throws <see cref="ConfigException"/> with every problem, or <see cref="IOException"/> when unreadable.</summary>
    public static RelayWardenConfig LoadFile(string path)
    {
        string full = Path.GetFullPath(path);
        string text = File.ReadAllText(full);
        return Load(text, full);
    }

    /// <summary>Loads YAML text; <paramref name="sourcePath"/> names the file in messages and anchors relative paths.</summary>
    public static RelayWardenConfig Load(string yaml, string sourcePath)
    {
        var errors = new List<ConfigError>();
        var config = Parse(yaml, sourcePath, errors);
        if (errors.Count > 0 || config is null)
        {
            throw new ConfigException(sourcePath, errors);
        }

        return config;
    }

    private static RelayWardenConfig? Parse(string yaml, string sourcePath, List<ConfigError> errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException exception)
        {
            errors.Add(new ConfigError("(yaml)", exception.InnerException?.Message ?? exception.Message, (int)exception.Start.Line));
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add(new ConfigError("(root)", "the configuration must be a mapping with at least 'tenants:'"));
            return null;
        }

        var nodes = new YamlNodes(errors);
        nodes.CheckKeys(root, "(root)", s_topKeys);

        string baseDir = Path.GetDirectoryName(sourcePath) ?? ".";
        string dataDir = nodes.String(YamlNodes.Get(root, "data_dir"), "data_dir") ?? "var";
        var listen = ReadListen(nodes, YamlNodes.Get(root, "listen"));
        var relay = ReadRelay(nodes, YamlNodes.Get(root, "relay"));
        var policy = ReadPolicy(nodes, YamlNodes.Get(root, "policy"));
        var blocklist = ReadBlocklist(nodes, YamlNodes.Get(root, "blocklist"));
        var tenants = ReadTenants(nodes, YamlNodes.Get(root, "tenants"));
        var tls = ReadTls(nodes, YamlNodes.Get(root, "tls"), baseDir);
        var records = ReadRecords(nodes, YamlNodes.Get(root, "records"));
        var monitor = ReadMonitor(nodes, YamlNodes.Get(root, "monitor"));
        var alerts = ReadAlerts(nodes, YamlNodes.Get(root, "alerts"));
        var domainClaims = ReadDomainClaims(nodes, YamlNodes.Get(root, "domain_claims"));

        var directory = TenantDirectory.Build(tenants, out var directoryErrors);
        errors.AddRange(directoryErrors.Select(e => new ConfigError(e.Place, e.Message)));
        CheckLoginAddresses(directory, errors);

        return new RelayWardenConfig
        {
            SourcePath = sourcePath,
            DataDir = Path.GetFullPath(Path.Combine(baseDir, dataDir)),
            Directory = directory,
            Blocklist = blocklist,
            Policy = policy,
            Listen = listen,
            Relay = relay,
            Tls = tls,
            Records = records,
            Monitor = monitor,
            Alerts = alerts,
            DomainClaims = domainClaims,
        };
    }

    private static TlsOptions ReadTls(YamlNodes nodes, YamlNode? node, string baseDir)
    {
        if (nodes.Mapping(node, "tls") is not { } map)
        {
            return new TlsOptions();
        }

        nodes.CheckKeys(map, "tls", "cert", "key");
        string? cert = nodes.String(YamlNodes.Get(map, "cert"), "tls.cert");
        string? key = nodes.String(YamlNodes.Get(map, "key"), "tls.key");
        if ((cert is null) != (key is null))
        {
            nodes.Error("tls", "give both tls.cert and tls.key (PEM files), or neither for a generated self-signed certificate", node);
        }

        return new TlsOptions
        {
            CertPath = cert is null ? null : Path.GetFullPath(Path.Combine(baseDir, cert)),
            KeyPath = key is null ? null : Path.GetFullPath(Path.Combine(baseDir, key)),
        };
    }

    private static RecordsOptions ReadRecords(YamlNodes nodes, YamlNode? node)
    {
        if (nodes.Mapping(node, "records") is not { } map)
        {
            return new RecordsOptions();
        }

        nodes.CheckKeys(map, "records", "retention_days");
        return new RecordsOptions
        {
            RetentionDays = (int)(nodes.Integer(YamlNodes.Get(map, "retention_days"), "records.retention_days", 1, 36_500) ?? 90),
        };
    }

    /// <summary>Reads a duration: <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>5d</c>.</summary>
    /// <summary>Reads a duration as the configuration writes it: 250ms, 30s, 5m, 2h, 5d.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        duration = default;
        text = text.Trim();
        (string unit, double factor) = text.EndsWith("ms", StringComparison.Ordinal) ? ("ms", 1.0)
            : text.EndsWith('s') ? ("s", 1000.0)
            : text.EndsWith('m') ? ("m", 60_000.0)
            : text.EndsWith('h') ? ("h", 3_600_000.0)
            : text.EndsWith('d') ? ("d", 86_400_000.0)
            : (string.Empty, 0);
        if (unit.Length == 0 || !double.TryParse(text[..^unit.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(value * factor);
        return true;
    }

    private static TimeSpan? Duration(YamlNodes nodes, YamlNode? node, string place, TimeSpan min, TimeSpan max)
    {
        string? text = nodes.String(node, place);
        if (text is null)
        {
            return null;
        }

        text = text.Trim();
        if (!TryParseDuration(text, out var duration))
        {
            nodes.Error(place, $"'{text}' is not a duration (250ms, 30s, 5m, 2h, 5d)", node);
            return null;
        }

        if (duration < min || duration > max)
        {
            nodes.Error(place, $"'{text}' is out of range ({min} to {max})", node);
            return null;
        }

        return duration;
    }

    private static ListenOptions ReadListen(YamlNodes nodes, YamlNode? node)
    {
        if (nodes.Mapping(node, "listen") is not { } map)
        {
            return new ListenOptions();
        }

        nodes.CheckKeys(map, "listen", "smtp", "smtp_auth_without_tls", "milter", "policy", "web", "event_loops");
        string? milter = nodes.String(YamlNodes.Get(map, "milter"), "listen.milter");
        if (milter is not null && !milter.StartsWith("inet:", StringComparison.Ordinal) && !milter.StartsWith("unix:", StringComparison.Ordinal))
        {
            nodes.Error("listen.milter", $"'{milter}' is neither inet:HOST:PORT nor unix:PATH", YamlNodes.Get(map, "milter"));
        }
        else if (milter is not null && milter.StartsWith("inet:", StringComparison.Ordinal))
        {
            if (!IPEndPoint.TryParse(milter[5..], out _) || !(milter.Contains("]:", StringComparison.Ordinal) || (!milter.Contains('[', StringComparison.Ordinal) && milter.Count(c => c == ':') == 2)))
            {
                nodes.Error("listen.milter", $"'{milter}' is not inet:ADDRESS:PORT", YamlNodes.Get(map, "milter"));
            }
        }

        return new ListenOptions
        {
            Smtp = Endpoint(nodes, YamlNodes.Get(map, "smtp"), "listen.smtp"),
            SmtpAuthWithoutTls = nodes.Bool(YamlNodes.Get(map, "smtp_auth_without_tls"), "listen.smtp_auth_without_tls") ?? false,
            Milter = milter,
            Policy = Endpoint(nodes, YamlNodes.Get(map, "policy"), "listen.policy"),
            Web = Endpoint(nodes, YamlNodes.Get(map, "web"), "listen.web"),
            EventLoops = (int?)nodes.Integer(YamlNodes.Get(map, "event_loops"), "listen.event_loops", 0, 64),
        };
    }

    private static IPEndPoint? Endpoint(YamlNodes nodes, YamlNode? node, string place)
    {
        string? text = nodes.String(node, place);
        if (text is null)
        {
            return null;
        }

        // Port 0 asks the system for a free port (tests, benchmarks); the startup summary logs the real one.
        if (!IPEndPoint.TryParse(text, out var endpoint) || !text.Contains(':', StringComparison.Ordinal))
        {
            if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(text.AsSpan(10), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536)
            {
                return new IPEndPoint(IPAddress.Loopback, port);
            }

            nodes.Error(place, $"'{text}' is not ADDRESS:PORT (127.0.0.1:2525, [::1]:2525)", node);
            return null;
        }

        return endpoint;
    }

    private static RelayOptions ReadRelay(YamlNodes nodes, YamlNode? node)
    {
        var defaults = new RelayOptions();
        if (nodes.Mapping(node, "relay") is not { } map)
        {
            return defaults;
        }

        nodes.CheckKeys(map, "relay", "next_hop", "max_message_bytes", "max_recipients", "hostname", "retry_initial", "max_age", "delivery_concurrency", "limits");
        string nextHop = nodes.String(YamlNodes.Get(map, "next_hop"), "relay.next_hop") ?? defaults.NextHop;
        if (!(nextHop.StartsWith("outbox:", StringComparison.Ordinal) && nextHop.Length > 7) &&
            !nextHop.StartsWith("smtp://", StringComparison.Ordinal) && nextHop != "mx")
        {
            nodes.Error("relay.next_hop", $"'{nextHop}' is not outbox:DIR, smtp://HOST:PORT or mx", YamlNodes.Get(map, "next_hop"));
        }

        return new RelayOptions
        {
            NextHop = nextHop,
            MaxMessageBytes = nodes.Integer(YamlNodes.Get(map, "max_message_bytes"), "relay.max_message_bytes", 1024, 2L * 1024 * 1024 * 1024) ?? defaults.MaxMessageBytes,
            MaxRecipients = (int)(nodes.Integer(YamlNodes.Get(map, "max_recipients"), "relay.max_recipients", 1, 100_000) ?? defaults.MaxRecipients),
            Hostname = nodes.String(YamlNodes.Get(map, "hostname"), "relay.hostname") ?? defaults.Hostname,
            RetryInitial = Duration(nodes, YamlNodes.Get(map, "retry_initial"), "relay.retry_initial", TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)) ?? defaults.RetryInitial,
            MaxAge = Duration(nodes, YamlNodes.Get(map, "max_age"), "relay.max_age", TimeSpan.FromSeconds(1), TimeSpan.FromDays(60)) ?? defaults.MaxAge,
            DeliveryConcurrency = (int)(nodes.Integer(YamlNodes.Get(map, "delivery_concurrency"), "relay.delivery_concurrency", 1, 1000) ?? defaults.DeliveryConcurrency),
            Limits = ReadLimits(nodes, YamlNodes.Get(map, "limits")),
        };
    }

    private static RelayLimits ReadLimits(YamlNodes nodes, YamlNode? node)
    {
        var d = new RelayLimits();
        if (nodes.Mapping(node, "relay.limits") is not { } map)
        {
            return d;
        }

        nodes.CheckKeys(map, "relay.limits", "command_line_bytes", "data_line_bytes", "command_timeout", "data_timeout", "max_connections", "max_connections_per_ip", "max_errors", "max_data_memory");
        return new RelayLimits
        {
            CommandLineBytes = (int)(nodes.Integer(YamlNodes.Get(map, "command_line_bytes"), "relay.limits.command_line_bytes", 512, 65_536) ?? d.CommandLineBytes),
            DataLineBytes = (int)(nodes.Integer(YamlNodes.Get(map, "data_line_bytes"), "relay.limits.data_line_bytes", 1000, 1_048_576) ?? d.DataLineBytes),
            CommandTimeout = Duration(nodes, YamlNodes.Get(map, "command_timeout"), "relay.limits.command_timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)) ?? d.CommandTimeout,
            DataTimeout = Duration(nodes, YamlNodes.Get(map, "data_timeout"), "relay.limits.data_timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)) ?? d.DataTimeout,
            MaxConnections = (int)(nodes.Integer(YamlNodes.Get(map, "max_connections"), "relay.limits.max_connections", 1, 1_000_000) ?? d.MaxConnections),
            MaxConnectionsPerIp = (int)(nodes.Integer(YamlNodes.Get(map, "max_connections_per_ip"), "relay.limits.max_connections_per_ip", 1, 1_000_000) ?? d.MaxConnectionsPerIp),
            MaxErrors = (int)(nodes.Integer(YamlNodes.Get(map, "max_errors"), "relay.limits.max_errors", 1, 1000) ?? d.MaxErrors),
            MaxDataMemory = nodes.Integer(YamlNodes.Get(map, "max_data_memory"), "relay.limits.max_data_memory", 65_536, 1L << 40) ?? d.MaxDataMemory,
        };
    }

    private static readonly (string Name, RuleAction Action)[] s_ruleActions =
        [("reject", RuleAction.Reject), ("defer", RuleAction.Defer), ("hold", RuleAction.Hold), ("monitor", RuleAction.Monitor)];

    /// <summary>The action names of <c>policy.rule_actions</c> (and of replay's rule-action overrides).</summary>
    public static IReadOnlyList<(string Name, RuleAction Action)> RuleActionNames => s_ruleActions;

    private static PolicyOptions ReadPolicy(YamlNodes nodes, YamlNode? node)
    {
        if (nodes.Mapping(node, "policy") is not { } map)
        {
            return PolicyOptions.Default;
        }

        nodes.CheckKeys(map, "policy", "rule_actions", "error_action", "monitor_header");
        var actions = new Dictionary<string, RuleAction>(StringComparer.Ordinal);
        if (nodes.Mapping(YamlNodes.Get(map, "rule_actions"), "policy.rule_actions") is { } ruleMap)
        {
            foreach (var (keyNode, valueNode) in ruleMap.Children)
            {
                string rule = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                string place = $"policy.rule_actions.{rule}";
                if (!RuleIds.All.Contains(rule))
                {
                    nodes.Error(place, "unknown rule id (see docs/RULES.md)", keyNode);
                    continue;
                }

                if (nodes.Enum(valueNode, place, s_ruleActions) is { } action)
                {
                    actions[rule] = action;
                }
            }
        }

        return new PolicyOptions
        {
            RuleActions = actions,
            ErrorAction = nodes.Enum(YamlNodes.Get(map, "error_action"), "policy.error_action", s_ruleActions) ?? RuleAction.Defer,
            MonitorHeader = MonitorHeaderName(nodes, YamlNodes.Get(map, "monitor_header")),
        };
    }

    private static string? MonitorHeaderName(YamlNodes nodes, YamlNode? node)
    {
        if (nodes.String(node, "policy.monitor_header") is not { Length: > 0 } name)
        {
            return null;
        }

        if (!MonitorHeader.IsValidName(name))
        {
            nodes.Error("policy.monitor_header", "not a header field name (printable ASCII without ':' or spaces, at most 76 characters)", node!);
            return null;
        }

        return name;
    }

    private static Blocklist ReadBlocklist(YamlNodes nodes, YamlNode? node)
    {
        if (nodes.Sequence(node, "blocklist") is not { } list)
        {
            return Blocklist.Empty;
        }

        var entries = new List<BlockEntry>();
        int i = 0;
        foreach (var item in list)
        {
            string place = $"blocklist[{i++}]";
            if (nodes.Mapping(item, place) is not { } map)
            {
                continue;
            }

            nodes.CheckKeys(map, place, "kind", "value", "expires", "reason");
            var kind = nodes.Enum(YamlNodes.Get(map, "kind"), $"{place}.kind",
                ("ip", BlockKind.Ip), ("login", BlockKind.Login), ("domain", BlockKind.Domain), ("address", BlockKind.Address));
            string? value = nodes.String(YamlNodes.Get(map, "value"), $"{place}.value");
            if (kind is null || value is null)
            {
                if (value is null)
                {
                    nodes.Error($"{place}.value", "missing", item);
                }

                continue;
            }

            string? normalized = NormalizeBlockValue(kind.Value, value, out string? problem);
            if (normalized is null)
            {
                nodes.Error($"{place}.value", problem!, YamlNodes.Get(map, "value"));
                continue;
            }

            entries.Add(new BlockEntry(kind.Value, normalized, nodes.Time(YamlNodes.Get(map, "expires"), $"{place}.expires"),
                nodes.String(YamlNodes.Get(map, "reason"), $"{place}.reason"), "config"));
        }

        return new Blocklist(entries);
    }

    /// <summary>Normalizes a blocklist value (CIDR, login, domain, address); null with a problem when invalid.</summary>
    public static string? NormalizeBlockValue(BlockKind kind, string value, out string? problem)
    {
        problem = null;
        switch (kind)
        {
            case BlockKind.Ip:
                if (TryParseNetwork(value, out var network, out problem))
                {
                    return network.ToString();
                }

                return null;
            case BlockKind.Domain:
                if (DomainName.TryNormalize(value.Trim(), out var domain, out var domainError))
                {
                    return domain;
                }

                problem = $"'{value}' is not a valid domain ({DomainName.Describe(domainError)})";
                return null;
            case BlockKind.Address:
                if (Mailbox.TryParse(value, out var mailbox, out var error))
                {
                    return mailbox.Address;
                }

                problem = $"'{value}' is not a valid address ({error})";
                return null;
            default:
                if (string.IsNullOrWhiteSpace(value) || value.Any(char.IsControl))
                {
                    problem = "a login must not be empty or hold control characters";
                    return null;
                }

                return value.Trim();
        }
    }

    /// <summary>Parses <c>ADDR/LEN</c> or a single address; refuses host bits set beyond the prefix.</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network, out string? problem)
    {
        problem = null;
        text = text.Trim();
        if (IPAddress.TryParse(text, out var single) && !text.Contains('/', StringComparison.Ordinal))
        {
            network = new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        if (!IPNetwork.TryParse(text, out network))
        {
            problem = $"'{text}' is not a CIDR network (198.51.100.16/28, 2001:db8::/48)";
            return false;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IPAddress.TryParse(text.AsSpan(0, slash), out var written) && !written.Equals(network.BaseAddress))
        {
            problem = $"'{text}' has host bits set beyond the prefix (did you mean {network}?)";
            return false;
        }

        return true;
    }

    private static List<Tenant> ReadTenants(YamlNodes nodes, YamlNode? node)
    {
        var tenants = new List<Tenant>();
        if (node is null)
        {
            nodes.Error("tenants", "missing: the configuration needs at least one tenant", null);
            return tenants;
        }

        if (nodes.Sequence(node, "tenants") is not { } list)
        {
            if (node is YamlScalarNode)
            {
                nodes.Error("tenants", "empty: the configuration needs at least one tenant", node);
            }

            return tenants;
        }

        if (list.Children.Count == 0)
        {
            nodes.Error("tenants", "empty: the configuration needs at least one tenant", node);
            return tenants;
        }

        int index = 0;
        foreach (var item in list)
        {
            string place = $"tenants[{index++}]";
            if (nodes.Mapping(item, place) is not { } map)
            {
                continue;
            }

            if (ReadTenant(nodes, map, place) is { } tenant)
            {
                tenants.Add(tenant);
            }
        }

        return tenants;
    }

    private static Tenant? ReadTenant(YamlNodes nodes, YamlMappingNode map, string indexPlace)
    {
        string? id = nodes.String(YamlNodes.Get(map, "id"), $"{indexPlace}.id");
        if (id is null)
        {
            nodes.Error($"{indexPlace}.id", "missing: every tenant needs an id", map);
            return null;
        }

        string place = $"tenants[{id}]";
        bool ok = true;
        if (!TenantIdPattern().IsMatch(id))
        {
            nodes.Error($"{place}.id", $"'{id}' is not an id (lower-case letters, digits and '-', at most 63)", YamlNodes.Get(map, "id"));
            ok = false;
        }

        nodes.CheckKeys(map, place, "id", "name", "kind", "created_by", "status", "created_at", "domains", "networks", "external_from", "users");
        var kind = nodes.Enum(YamlNodes.Get(map, "kind"), $"{place}.kind", ("paid", TenantKind.Paid), ("trial", TenantKind.Trial));
        var createdBy = nodes.Enum(YamlNodes.Get(map, "created_by"), $"{place}.created_by", ("self", TenantCreator.Self), ("partner", TenantCreator.Partner));
        var status = nodes.Enum(YamlNodes.Get(map, "status"), $"{place}.status", ("active", TenantStatus.Active), ("suspended", TenantStatus.Suspended));

        var domains = new List<DomainClaim>();
        if (nodes.Sequence(YamlNodes.Get(map, "domains"), $"{place}.domains") is { } domainList)
        {
            int i = 0;
            foreach (var item in domainList)
            {
                string itemPlace = $"{place}.domains[{i++}]";
                string? name;
                bool subdomains = true;
                if (item is YamlMappingNode claim)
                {
                    nodes.CheckKeys(claim, itemPlace, "name", "subdomains");
                    name = nodes.String(YamlNodes.Get(claim, "name"), $"{itemPlace}.name");
                    subdomains = nodes.Bool(YamlNodes.Get(claim, "subdomains"), $"{itemPlace}.subdomains") ?? true;
                    if (name is null)
                    {
                        nodes.Error($"{itemPlace}.name", "missing", item);
                        continue;
                    }
                }
                else
                {
                    name = nodes.String(item, itemPlace);
                    if (name is null)
                    {
                        continue;
                    }
                }

                if (!DomainName.TryNormalize(name.Trim(), out var normalized, out var error))
                {
                    nodes.Error(itemPlace, $"'{name}' is not a valid domain name ({DomainName.Describe(error)})", item);
                    ok = false;
                    continue;
                }

                domains.Add(new DomainClaim(normalized, subdomains));
            }
        }

        var networks = new List<IPNetwork>();
        foreach (var (value, item) in nodes.Strings(YamlNodes.Get(map, "networks"), $"{place}.networks"))
        {
            if (TryParseNetwork(value, out var network, out var problem))
            {
                networks.Add(network);
            }
            else
            {
                nodes.Error($"{place}.networks", problem!, item);
                ok = false;
            }
        }

        var users = new List<TenantUser>();
        if (nodes.Sequence(YamlNodes.Get(map, "users"), $"{place}.users") is { } userList)
        {
            int i = 0;
            foreach (var item in userList)
            {
                string userPlace = $"{place}.users[{i++}]";
                if (nodes.Mapping(item, userPlace) is not { } userMap)
                {
                    continue;
                }

                nodes.CheckKeys(userMap, userPlace, "login", "addresses", "password_hash");
                string? login = nodes.String(YamlNodes.Get(userMap, "login"), $"{userPlace}.login");
                if (string.IsNullOrWhiteSpace(login) || login.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
                {
                    nodes.Error($"{userPlace}.login", login is null ? "missing" : $"'{login}' is not a login (no spaces or control characters)", item);
                    ok = false;
                    continue;
                }

                List<Mailbox>? addresses = null;
                var addressNode = YamlNodes.Get(userMap, "addresses");
                if (addressNode is not null)
                {
                    addresses = [];
                    foreach (var (value, addressItem) in nodes.Strings(addressNode, $"{userPlace}.addresses"))
                    {
                        if (Mailbox.TryParse(value, out var mailbox, out var problem))
                        {
                            addresses.Add(mailbox);
                        }
                        else
                        {
                            nodes.Error($"{userPlace}.addresses", $"'{value}' is not a valid address ({problem})", addressItem);
                            ok = false;
                        }
                    }
                }

                users.Add(new TenantUser(login, addresses, nodes.String(YamlNodes.Get(userMap, "password_hash"), $"{userPlace}.password_hash")));
            }
        }

        if (!ok)
        {
            return null;
        }

        return new Tenant
        {
            Id = id,
            Name = nodes.String(YamlNodes.Get(map, "name"), $"{place}.name"),
            Kind = kind ?? TenantKind.Paid,
            CreatedBy = createdBy ?? TenantCreator.Self,
            Status = status ?? TenantStatus.Active,
            CreatedAt = nodes.Time(YamlNodes.Get(map, "created_at"), $"{place}.created_at"),
            Domains = domains,
            Networks = networks,
            ExternalFrom = nodes.Bool(YamlNodes.Get(map, "external_from"), $"{place}.external_from"),
            Users = users,
        };
    }

    /// <summary>A login's addresses must be in its own tenant's domains.</summary>
    private static void CheckLoginAddresses(TenantDirectory directory, List<ConfigError> errors)
    {
        foreach (var tenant in directory.Tenants)
        {
            foreach (var user in tenant.Users)
            {
                foreach (var address in user.Addresses ?? [])
                {
                    var owner = directory.FindOwner(address.Domain)?.Tenant;
                    if (owner != tenant)
                    {
                        errors.Add(new ConfigError($"tenants[{tenant.Id}].users[{user.Login}].addresses",
                            owner is null
                                ? $"{address} is not in a domain of tenant '{tenant.Id}'"
                                : $"{address} is in a domain of tenant '{owner.Id}'"));
                    }
                }
            }
        }
    }
}
