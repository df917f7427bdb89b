using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RelayWarden.Core.Control;
using RelayWarden.Core.Directory;
using RelayWarden.TestSupport;

namespace RelayWarden.Web.Tests;

/// <summary>The console's contract and authentication: anonymous routes, 401 without credentials, tokens, sessions, CSRF, roles, audit.</summary>
public sealed class AuthTests : IClassFixture<ConsoleFixture>
{
    private readonly TestConsole _console;

    public AuthTests(ConsoleFixture fixture) => _console = fixture.Console;

    [Fact]
    public async Task Healthz_answers_200_without_authentication()
    {
        using var client = _console.Client();
        var reply = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        using var body = JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
        Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("/api/session")]
    [InlineData("/api/tokens")]
    [InlineData("/api/no-such-route")]
    public async Task Api_routes_answer_401_without_credentials(string path)
    {
        using var client = _console.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync(new Uri(path, UriKind.Relative), JsonContent.Create(new { name = "x" }))).StatusCode);
    }

    [Theory]
    [InlineData("rw_not-a-real-token")]
    [InlineData("garbage")]
    public async Task A_bad_token_gets_401(string token)
    {
        using var client = _console.Client(token);
        var reply = await client.GetAsync(new Uri("/api/session", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, reply.StatusCode);
        Assert.Contains("Bearer", reply.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Basic_authorization_is_not_a_token()
    {
        using var client = _console.Client();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "YWxpY2U6cGFzcw==");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/session", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Tokens_carry_their_role()
    {
        using var admin = _console.Client(_console.AdminToken);
        using var analyst = _console.Client(_console.AnalystToken);
        var adminSession = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/session", UriKind.Relative));
        var analystSession = await analyst.GetFromJsonAsync<JsonElement>(new Uri("/api/session", UriKind.Relative));
        Assert.Equal("admin", adminSession.GetProperty("role").GetString());
        Assert.Equal("token", adminSession.GetProperty("auth").GetString());
        Assert.Equal("token:test-admin", adminSession.GetProperty("name").GetString());
        Assert.Equal("analyst", analystSession.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Unknown_api_route_with_credentials_is_404()
    {
        using var client = _console.Client(_console.AdminToken);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/api/no-such-route", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_is_served_and_lists_the_api()
    {
        using var client = _console.Client();
        var reply = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        using var document = JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/session", out _));
        Assert.True(paths.TryGetProperty("/api/tokens", out _));
        Assert.False(paths.TryGetProperty("/healthz", out _));
    }

    [Fact]
    public async Task Pages_redirect_to_login_without_a_session()
    {
        using var client = _console.Client();
        var reply = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, reply.StatusCode);
        Assert.StartsWith("/login", reply.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_gives_a_session_that_reads_pages_and_the_api()
    {
        using var client = await _console.SignInAsync(TestConsole.AnalystName, TestConsole.AnalystPassword);
        string page = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains(TestConsole.AnalystName, page, StringComparison.Ordinal);
        var session = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/session", UriKind.Relative));
        Assert.Equal("session", session.GetProperty("auth").GetString());
        Assert.Equal("analyst", session.GetProperty("role").GetString());
        Assert.False(string.IsNullOrEmpty(session.GetProperty("csrf_token").GetString()));
        Assert.Contains(_console.Relay.Host.Control.History("operator:" + TestConsole.AnalystName, 20), entry => entry.Action == "operator.login");
    }

    [Fact]
    public async Task Sign_in_cookie_is_http_only_and_strict()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _console.Address };
        string form = await client.GetStringAsync(new Uri("/login", UriKind.Relative));
        var formReply = await client.GetAsync(new Uri("/login", UriKind.Relative));
        Assert.Contains("__RequestVerificationToken", form, StringComparison.Ordinal);
        Assert.Equal("DENY", formReply.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'self'", formReply.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_audited()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = _console.Address };
        var reply = await TestConsole.PostLoginAsync(client, TestConsole.AdminName, "not the password");
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Contains("Wrong name or password", await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/session", UriKind.Relative))).StatusCode);
        Assert.Contains(_console.Relay.Host.Control.History("operator:" + TestConsole.AdminName, 50), entry => entry.Action == "operator.login-failed");
    }

    [Fact]
    public async Task Login_without_the_antiforgery_token_is_refused()
    {
        using var client = _console.Client();
        var reply = await client.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = TestConsole.AdminName,
            ["password"] = TestConsole.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
    }

    [Fact]
    public async Task Repeated_failures_lock_the_name()
    {
        var now = DateTimeOffset.UtcNow;
        _console.Store.AddOperator(new Operator("carol", OperatorRole.Analyst, now, false), PasswordHash.Hash("carol correct horse", 1000), "test", null);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = _console.Address };
        for (int i = 0; i < 5; i++)
        {
            await TestConsole.PostLoginAsync(client, "carol", "wrong " + i);
        }

        var locked = await TestConsole.PostLoginAsync(client, "carol", "carol correct horse");
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Contains("Too many failed attempts", await locked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_writes_need_the_csrf_header()
    {
        using var client = await _console.SignInAsync(TestConsole.AdminName, TestConsole.AdminPassword);
        var without = await client.PostAsJsonAsync(new Uri("/api/tokens", UriKind.Relative), new { name = "from-session" });
        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        Assert.Contains("CSRF", await without.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var session = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/session", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/tokens", UriKind.Relative)) { Content = JsonContent.Create(new { name = "from-session" }) };
        request.Headers.Add(session.GetProperty("csrf_header").GetString()!, session.GetProperty("csrf_token").GetString());
        var with = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, with.StatusCode);
    }

    [Fact]
    public async Task Analyst_cannot_manage_tokens()
    {
        using var client = _console.Client(_console.AnalystToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(new Uri("/api/tokens", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync(new Uri("/api/tokens", UriKind.Relative), new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync(new Uri("/api/tokens/1", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Admin_creates_uses_and_revokes_a_token()
    {
        using var admin = _console.Client(_console.AdminToken);
        var created = await admin.PostAsJsonAsync(new Uri("/api/tokens", UriKind.Relative), new { name = "script", role = "analyst" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        string secret = body.GetProperty("secret").GetString()!;
        long id = body.GetProperty("token").GetProperty("id").GetInt64();
        Assert.StartsWith("rw_", secret, StringComparison.Ordinal);

        using var script = _console.Client(secret);
        Assert.Equal("analyst", (await script.GetFromJsonAsync<JsonElement>(new Uri("/api/session", UriKind.Relative))).GetProperty("role").GetString());

        string list = await admin.GetStringAsync(new Uri("/api/tokens", UriKind.Relative));
        Assert.Contains("\"script\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(new Uri($"/api/tokens/{id}?reason=rotated", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync(new Uri("/api/session", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync(new Uri($"/api/tokens/{id}", UriKind.Relative))).StatusCode);
        Assert.Contains(_console.Relay.Host.Control.History($"token:{id}", 10), entry => entry.Action == "token.revoke" && entry.Why == "rotated");
    }

    [Fact]
    public async Task Bad_token_requests_get_400()
    {
        using var admin = _console.Client(_console.AdminToken);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(new Uri("/api/tokens", UriKind.Relative), new { name = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(new Uri("/api/tokens", UriKind.Relative), new { name = "x", role = "root" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync(new Uri("/api/tokens", UriKind.Relative), new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task A_disabled_operator_loses_the_session_and_a_demoted_one_the_admin_role()
    {
        var now = DateTimeOffset.UtcNow;
        _console.Store.AddOperator(new Operator("dave", OperatorRole.Admin, now, false), PasswordHash.Hash("dave correct horse", 1000), "test", null);
        using var client = await _console.SignInAsync("dave", "dave correct horse");
        Assert.Equal("admin", (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/session", UriKind.Relative))).GetProperty("role").GetString());

        _console.Store.UpdateOperator("dave", OperatorRole.Analyst, false, null, "test", now, "demoted");
        Assert.Equal("analyst", (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/session", UriKind.Relative))).GetProperty("role").GetString());

        _console.Store.UpdateOperator("dave", OperatorRole.Analyst, true, null, "test", now, "left");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/session", UriKind.Relative))).StatusCode);
    }
}
