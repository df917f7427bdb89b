using System.Net;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests.Admin;

/// <summary>The directory, blocklist and operators pages: analysts read without forms, admins act through forms with antiforgery tokens.</summary>
public sealed class DirectoryPagesTests : IClassFixture<DirectoryConsoleFixture>
{
    private const string Zone = DirectoryConsoleFixture.Zone;
    private readonly DirectoryConsoleFixture _fixture;
    private readonly TestConsole _console;

    public DirectoryPagesTests(DirectoryConsoleFixture fixture)
    {
        _fixture = fixture;
        _console = fixture.Console;
    }

    private static Uri U(string path) => new(path, UriKind.Relative);

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string page, string handler, Dictionary<string, string> fields)
    {
        string html = await client.GetStringAsync(U(page));
        fields["__RequestVerificationToken"] = TestConsole.FormToken(html);
        return await client.PostAsync(U($"{page}?handler={handler}"), new FormUrlEncodedContent(fields));
    }

    [Theory]
    [InlineData("/directory", "data-testid=\"tenants\"", "data-testid=\"claim\"")]
    [InlineData("/blocklist", "<h1>Blocklists</h1>", "data-testid=\"add-block\"")]
    [InlineData("/operators", "data-testid=\"operators\"", "data-testid=\"add-operator\"")]
    public async Task Analysts_read_the_pages_without_forms_and_admins_get_the_forms(string page, string content, string form)
    {
        using var anonymous = _console.Client();
        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync(U(page))).StatusCode);

        using var analyst = await _console.SignInAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        string read = await analyst.GetStringAsync(U(page));
        Assert.Contains(content, read, StringComparison.Ordinal);
        Assert.DoesNotContain(form, read, StringComparison.Ordinal);

        using var admin = await _console.SignInAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        Assert.Contains(form, await admin.GetStringAsync(U(page)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_claims_a_domain_sees_the_record_verifies_it_and_an_analyst_may_not()
    {
        using var admin = await _console.SignInAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        string domain = $"page.{Zone}";
        var claimed = await PostFormAsync(admin, "/directory", "Claim", new() { ["tenant"] = "acme", ["domain"] = domain });
        Assert.Equal(HttpStatusCode.Redirect, claimed.StatusCode);
        string page = await admin.GetStringAsync(U("/directory"));
        var claim = _console.Relay.Host.Control.FindDomainClaim(domain)!;
        Assert.Contains($"{domain} claimed for acme: publish _relaywarden.{domain}. IN TXT &quot;relaywarden-verify={claim.Token}&quot;", page, StringComparison.Ordinal);
        Assert.Contains($"_relaywarden.{domain}. IN TXT \"relaywarden-verify={claim.Token}\"</td>", page, StringComparison.Ordinal);

        using var analyst = await _console.SignInAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        string analystPage = await analyst.GetStringAsync(U("/login")); // The directory page shows an analyst no form: take a token bound to the analyst elsewhere.
        var refused = await analyst.PostAsync(U("/directory?handler=Verify"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["domain"] = domain,
            ["__RequestVerificationToken"] = TestConsole.FormToken(analystPage),
        }));
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Equal("/denied", refused.Headers.Location!.AbsolutePath);
        Assert.Null(_console.Relay.Host.Control.FindDomainClaim(domain)!.CheckedAt);

        _fixture.Dns.Publish(($"_relaywarden.{domain}", $"relaywarden-verify={claim.Token}"));
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/directory", "Verify", new() { ["domain"] = domain })).StatusCode);
        Assert.Contains($"{domain}: verified", await admin.GetStringAsync(U("/directory")), StringComparison.Ordinal);
        Assert.StartsWith("250", await _fixture.MailFromAsync($"news@{domain}"), StringComparison.Ordinal);

        var conflict = await PostFormAsync(admin, "/directory", "Claim", new() { ["tenant"] = "globex", ["domain"] = domain });
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains($"{domain} is already claimed by tenant &#x27;acme&#x27; (verified)", await conflict.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forms_add_a_tenant_a_network_a_block_and_an_operator()
    {
        using var admin = await _console.SignInAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/directory", "AddTenant", new() { ["id"] = "umbrella", ["name"] = "Umbrella" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/directory", "AddNetwork", new() { ["tenant"] = "umbrella", ["network"] = "198.51.100.0/24", ["reason"] = "dc" })).StatusCode);
        string directory = await admin.GetStringAsync(U("/directory"));
        Assert.Contains("data-tenant=\"umbrella\"", directory, StringComparison.Ordinal);
        Assert.Contains("data-network=\"198.51.100.0/24\"", directory, StringComparison.Ordinal);
        var bad = await PostFormAsync(admin, "/directory", "AddNetwork", new() { ["tenant"] = "umbrella", ["network"] = "198.51.100.1/24" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("has host bits set beyond the prefix", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/directory", "RemoveNetwork", new() { ["network"] = "198.51.100.0/24" })).StatusCode);
        Assert.Empty(_console.Relay.Host.Control.StoredNetworks());

        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/blocklist", "Add", new() { ["kind"] = "domain", ["value"] = "spam.example", ["expires"] = "7d", ["reason"] = "campaign" })).StatusCode);
        Assert.Contains("data-block=\"domain:spam.example\"", await admin.GetStringAsync(U("/blocklist")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostFormAsync(admin, "/blocklist", "Add", new() { ["kind"] = "domain", ["value"] = "spam.example", ["expires"] = "soon" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/blocklist", "Remove", new() { ["kind"] = "domain", ["value"] = "spam.example" })).StatusCode);
        Assert.DoesNotContain(_console.Relay.Host.Control.Blocks(), b => b.Value == "spam.example");

        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/operators", "Add", new() { ["name"] = "grace", ["role"] = "analyst", ["password"] = "grace correct horse" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/operators", "Role", new() { ["name"] = "grace", ["role"] = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/operators", "Disable", new() { ["name"] = "grace", ["disabled"] = "true" })).StatusCode);
        var grace = _console.Store.FindOperator("grace")!;
        Assert.Equal((Core.Control.OperatorRole.Admin, true), (grace.Role, grace.Disabled));
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/operators", "Disable", new() { ["name"] = "grace", ["disabled"] = "false" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(admin, "/operators", "Password", new() { ["name"] = "grace", ["password"] = "grace new password" })).StatusCode);
        using var signedIn = await _console.SignInAsync("grace", "grace new password");
        Assert.Contains("grace (admin)", await signedIn.GetStringAsync(U("/operators")), StringComparison.Ordinal);
    }
}
