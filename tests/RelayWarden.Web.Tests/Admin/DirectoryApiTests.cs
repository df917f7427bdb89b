using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RelayWarden.Core.Control;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests.Admin;

/// <summary>
/// The directory, blocklist and operators API: 401 without credentials, 403 for an analyst on every
/// change, and each route's behavior — domain claims checked against a real DNS server (dnsmasq)
/// and judged by the real relay over SMTP.
/// </summary>
public sealed class DirectoryApiTests : IClassFixture<DirectoryConsoleFixture>
{
    private const string Zone = DirectoryConsoleFixture.Zone;
    private readonly DirectoryConsoleFixture _fixture;
    private readonly TestConsole _console;

    public DirectoryApiTests(DirectoryConsoleFixture fixture)
    {
        _fixture = fixture;
        _console = fixture.Console;
    }

    private static Uri U(string path) => new(path, UriKind.Relative);

    private IControlStore Control => _console.Relay.Host.Control;

    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "/api/tenants" },
        { "POST", "/api/tenants" },
        { "GET", "/api/domains" },
        { "POST", "/api/domains" },
        { "POST", $"/api/domains/x.{Zone}/verify" },
        { "POST", $"/api/domains/x.{Zone}/override" },
        { "DELETE", $"/api/domains/x.{Zone}" },
        { "GET", "/api/networks" },
        { "POST", "/api/networks" },
        { "DELETE", "/api/networks/203.0.113.0/24" },
        { "GET", "/api/blocks" },
        { "POST", "/api/blocks" },
        { "DELETE", "/api/blocks/ip/203.0.113.0/24" },
        { "GET", "/api/operators" },
        { "POST", "/api/operators" },
        { "PATCH", $"/api/operators/{TestConsole.AdminName}" },
    };

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), U(path))
    {
        Content = method is "POST" or "PATCH"
            ? JsonContent.Create(new { id = "x-tenant", tenant = "acme", domain = $"x.{Zone}", network = "203.0.113.0/24", kind = "ip", value = "203.0.113.0/24", reason = "r", name = "x-op", role = "admin", password = "long enough password", disabled = true })
            : null,
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_route_answers_401_without_credentials(string method, string path)
    {
        using var client = _console.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Request(method, path))).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task An_analyst_reads_every_list_and_changes_nothing(string method, string path)
    {
        using var client = _console.Client(_console.AnalystToken);
        long before = Control.ChangeCounter();
        int operators = _console.Store.Operators().Count;
        var reply = await client.SendAsync(Request(method, path));
        Assert.Equal(method == "GET" ? HttpStatusCode.OK : HttpStatusCode.Forbidden, reply.StatusCode);
        Assert.Equal(before, Control.ChangeCounter());
        Assert.Equal(operators, _console.Store.Operators().Count);
        Assert.False(_console.Store.FindOperator(TestConsole.AdminName)!.Disabled);
    }

    [Fact]
    public async Task A_claimed_domain_is_refused_by_the_relay_until_its_TXT_record_is_verified()
    {
        using var admin = _console.Client(_console.AdminToken);
        string domain = $"shop.{Zone}";
        var created = await admin.PostAsJsonAsync(U("/api/domains"), new { tenant = "acme", domain = "Shop." + Zone });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var claim = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((domain, "acme", "pending"), (claim.GetProperty("domain").GetString(), claim.GetProperty("tenant").GetString(), claim.GetProperty("state").GetString()));
        Assert.Equal($"_relaywarden.{domain}", claim.GetProperty("record_name").GetString());
        string value = claim.GetProperty("record_value").GetString()!;
        Assert.Matches("^relaywarden-verify=[0-9a-f]{32}$", value);

        Assert.StartsWith("550", await _fixture.MailFromAsync($"news@{domain}"), StringComparison.Ordinal);

        var failed = await (await admin.PostAsync(U($"/api/domains/{domain}/verify"), null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.Contains("NXDOMAIN", failed.GetProperty("check_result").GetString(), StringComparison.Ordinal);

        _fixture.Dns.Publish(($"_relaywarden.{domain}", value));
        var verify = await admin.PostAsync(U($"/api/domains/{domain}/verify"), null);
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        Assert.Equal("verified", (await verify.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());

        Assert.StartsWith("250", await _fixture.MailFromAsync($"news@{domain}"), StringComparison.Ordinal);
        var tenants = await admin.GetFromJsonAsync<JsonElement>(U("/api/tenants"));
        var acme = tenants.EnumerateArray().Single(t => t.GetProperty("id").GetString() == "acme");
        Assert.Contains(domain, acme.GetProperty("domains").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(["domain.verify", "domain.verify-failed", "domain.claim"], Control.History($"domain:{domain}", 10).Select(h => h.Action));
        Assert.All(Control.History($"domain:{domain}", 10), h => Assert.Equal("token:test-admin", h.By));
    }

    [Fact]
    public async Task Override_needs_a_reason_conflicts_are_409_and_a_withdrawn_claim_is_refused_again()
    {
        using var admin = _console.Client(_console.AdminToken);
        string domain = $"legacy.{Zone}";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync(U("/api/domains"), new { tenant = "acme", domain })).StatusCode);

        var conflict = await admin.PostAsJsonAsync(U("/api/domains"), new { tenant = "globex", domain });
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains($"{domain} is already claimed by tenant 'acme' (pending)", await conflict.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var owned = await admin.PostAsJsonAsync(U("/api/domains"), new { tenant = "acme", domain = "mail.globex.example" });
        Assert.Equal(HttpStatusCode.Conflict, owned.StatusCode);
        Assert.Contains("already owned by tenant 'globex' through globex.example", await owned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync(U("/api/domains"), new { tenant = "nobody", domain = $"n.{Zone}" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/domains"), new { tenant = "acme", domain = "not a domain" })).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U($"/api/domains/{domain}/override"), new { reason = "" })).StatusCode);
        var overridden = await admin.PostAsJsonAsync(U($"/api/domains/{domain}/override"), new { reason = "migrated from the old relay" });
        Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        var body = await overridden.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("overridden", "token:test-admin", "migrated from the old relay"),
            (body.GetProperty("state").GetString(), body.GetProperty("override_by").GetString(), body.GetProperty("override_why").GetString()));
        Assert.StartsWith("250", await _fixture.MailFromAsync($"news@{domain}"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync(U($"/api/domains/{domain}/override"), new { reason = "again" })).StatusCode);
        var audit = Control.History($"domain:{domain}", 1)[0];
        Assert.Equal(("domain.override", "migrated from the old relay"), (audit.Action, audit.Why));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U($"/api/domains/{domain}?reason=customer%20left"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync(U($"/api/domains/{domain}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync(U($"/api/domains/{domain}/verify"), null)).StatusCode);
        Assert.StartsWith("550", await _fixture.MailFromAsync($"news@{domain}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenants_are_added_once_with_a_valid_id()
    {
        using var admin = _console.Client(_console.AdminToken);
        var created = await admin.PostAsJsonAsync(U("/api/tenants"), new { id = "initech", name = "Initech" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/tenants/initech", created.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync(U("/api/tenants"), new { id = "initech" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync(U("/api/tenants"), new { id = "acme" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/tenants"), new { id = "Not An Id" })).StatusCode);

        var tenants = await admin.GetFromJsonAsync<JsonElement>(U("/api/tenants"));
        var initech = tenants.EnumerateArray().Single(t => t.GetProperty("id").GetString() == "initech");
        Assert.Equal(("Initech", "console", "token:test-admin"), (initech.GetProperty("name").GetString(), initech.GetProperty("source").GetString(), initech.GetProperty("created_by").GetString()));
        Assert.Equal("config", tenants.EnumerateArray().Single(t => t.GetProperty("id").GetString() == "acme").GetProperty("source").GetString());
        Assert.Equal("tenant.add", Control.History("tenant:initech", 1)[0].Action);
    }

    [Fact]
    public async Task Networks_map_client_addresses_to_their_tenant_until_removed()
    {
        using var admin = _console.Client(_console.AdminToken);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync(U("/api/tenants"), new { id = "hooli" })).StatusCode);
        string domain = $"hooli.{Zone}";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync(U("/api/domains"), new { tenant = "hooli", domain })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync(U($"/api/domains/{domain}/override"), new { reason = "test tenant" })).StatusCode);
        Assert.StartsWith("5", await _fixture.MailFromAsync($"news@{domain}", "127.0.0.77"), StringComparison.Ordinal);

        var added = await admin.PostAsJsonAsync(U("/api/networks"), new { tenant = "hooli", network = "127.0.0.77", reason = "office" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal("127.0.0.77/32", (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("network").GetString());
        Assert.StartsWith("250", await _fixture.MailFromAsync($"news@{domain}", "127.0.0.77"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync(U("/api/networks"), new { tenant = "hooli", network = "127.0.0.10/32" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/networks"), new { tenant = "hooli", network = "127.0.0.1/8" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync(U("/api/networks"), new { tenant = "nobody", network = "192.0.2.0/24" })).StatusCode);
        var networks = await admin.GetFromJsonAsync<JsonElement>(U("/api/networks"));
        Assert.Contains(networks.EnumerateArray(), n => n.GetProperty("network").GetString() == "127.0.0.77/32" && n.GetProperty("source").GetString() == "console" && n.GetProperty("why").GetString() == "office");
        Assert.Contains(networks.EnumerateArray(), n => n.GetProperty("network").GetString() == "127.0.0.10/32" && n.GetProperty("source").GetString() == "config");

        var config = await admin.DeleteAsync(U("/api/networks/127.0.0.10/32"));
        Assert.Equal(HttpStatusCode.NotFound, config.StatusCode);
        Assert.Contains("in the configuration", await config.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U("/api/networks/127.0.0.77/32?reason=closed"))).StatusCode);
        Assert.StartsWith("5", await _fixture.MailFromAsync($"news@{domain}", "127.0.0.77"), StringComparison.Ordinal);
        Assert.Equal(["network.remove", "network.add"], Control.History("network:127.0.0.77/32", 10).Select(h => h.Action));
    }

    [Fact]
    public async Task Blocklist_entries_are_added_with_expiry_enforced_and_removed()
    {
        using var admin = _console.Client(_console.AdminToken);
        var added = await admin.PostAsJsonAsync(U("/api/blocks"), new { kind = "ip", value = "127.0.0.20", expires = "24h", reason = "botnet" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var entry = await added.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("127.0.0.20/32", "console", true), (entry.GetProperty("value").GetString(), entry.GetProperty("source").GetString(), entry.GetProperty("active").GetBoolean()));
        var expires = entry.GetProperty("expires_at").GetDateTimeOffset();
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddHours(23.9), DateTimeOffset.UtcNow.AddHours(24.1));
        Assert.StartsWith("5", await _fixture.MailFromAsync("news@globex.example", "127.0.0.20"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/blocks"), new { kind = "host", value = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/blocks"), new { kind = "ip", value = "300.1.1.1" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/blocks"), new { kind = "ip", value = "192.0.2.1", expires = "2001-01-01T00:00:00Z" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync(U("/api/blocks"), new { kind = "address", value = "Spam@Spam.example" })).StatusCode);

        var list = await admin.GetFromJsonAsync<JsonElement>(U("/api/blocks"));
        Assert.Contains(list.EnumerateArray(), b => b.GetProperty("kind").GetString() == "address" && b.GetProperty("value").GetString() == "Spam@spam.example");
        Assert.Contains(list.EnumerateArray(), b => b.GetProperty("value").GetString() == "127.0.0.20/32" && b.GetProperty("reason").GetString() == "botnet");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U("/api/blocks/ip/127.0.0.20/32?reason=cleaned"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync(U("/api/blocks/ip/127.0.0.20/32"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U("/api/blocks/address/Spam@Spam.example"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.DeleteAsync(U("/api/blocks/host/x"))).StatusCode);
        Assert.StartsWith("250", await _fixture.MailFromAsync("news@globex.example", "127.0.0.20"), StringComparison.Ordinal);
        var history = Control.History("ip:127.0.0.20/32", 10);
        Assert.Equal(["block.remove", "block.add"], history.Select(h => h.Action));
        Assert.Equal(("token:test-admin", "cleaned"), (history[0].By, history[0].Why));
    }

    [Fact]
    public async Task Operators_are_added_promoted_and_disabled_but_the_last_admin_stays()
    {
        using var admin = _console.Client(_console.AdminToken);
        var lastAdmin = await admin.PatchAsJsonAsync(U($"/api/operators/{TestConsole.AdminName}"), new { disabled = true });
        Assert.Equal(HttpStatusCode.Conflict, lastAdmin.StatusCode);
        Assert.Contains("last enabled admin", await lastAdmin.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var created = await admin.PostAsJsonAsync(U("/api/operators"), new { name = "erin", role = "analyst", password = "erin correct horse" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain("password", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync(U("/api/operators"), new { name = "erin", role = "analyst", password = "erin correct horse" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/operators"), new { name = "frank", role = "analyst", password = "short" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/operators"), new { name = "bad name", role = "analyst", password = "long enough password" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(U("/api/operators"), new { name = "frank", role = "root", password = "long enough password" })).StatusCode);

        using (var erin = await _console.SignInAsync("erin", "erin correct horse"))
        {
            Assert.Equal("analyst", (await erin.GetFromJsonAsync<JsonElement>(U("/api/session"))).GetProperty("role").GetString());
            var promoted = await admin.PatchAsJsonAsync(U("/api/operators/erin"), new { role = "admin", reason = "on call" });
            Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
            Assert.Equal("admin", (await erin.GetFromJsonAsync<JsonElement>(U("/api/session"))).GetProperty("role").GetString());

            var disabled = await admin.PatchAsJsonAsync(U("/api/operators/erin"), new { disabled = true, reason = "left" });
            Assert.True((await disabled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("disabled").GetBoolean());
            Assert.Equal(HttpStatusCode.Unauthorized, (await erin.GetAsync(U("/api/session"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchAsJsonAsync(U("/api/operators/nobody"), new { disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync(U("/api/operators/erin"), new { role = "root" })).StatusCode);
        var list = await admin.GetFromJsonAsync<JsonElement>(U("/api/operators"));
        Assert.Contains(list.EnumerateArray(), o => o.GetProperty("name").GetString() == "erin" && o.GetProperty("role").GetString() == "admin" && o.GetProperty("disabled").GetBoolean());
        Assert.Contains(Control.History("operator:erin", 10), h => h.Action == "operator.update" && h.By == "token:test-admin");
    }

    [Fact]
    public async Task The_openapi_document_lists_the_directory_blocklist_and_operators_routes()
    {
        using var client = _console.Client();
        using var document = JsonDocument.Parse(await client.GetStringAsync(U("/openapi/v1.json")));
        var paths = document.RootElement.GetProperty("paths");
        foreach (string path in new[] { "/api/tenants", "/api/domains", "/api/domains/{domain}/verify", "/api/domains/{domain}/override", "/api/networks", "/api/blocks", "/api/operators", "/api/operators/{name}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    [Fact]
    public async Task A_session_change_needs_the_csrf_header()
    {
        using var client = await _console.SignInAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        var without = await client.PostAsJsonAsync(U("/api/tenants"), new { id = "csrf-test" });
        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        var session = await client.GetFromJsonAsync<JsonElement>(U("/api/session"));
        using var request = new HttpRequestMessage(HttpMethod.Post, U("/api/tenants")) { Content = JsonContent.Create(new { id = "csrf-test" }) };
        request.Headers.Add(session.GetProperty("csrf_header").GetString()!, session.GetProperty("csrf_token").GetString());
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(request)).StatusCode);
        Assert.Equal(TestConsole.AdminName, Control.History("tenant:csrf-test", 1)[0].By);
    }
}
