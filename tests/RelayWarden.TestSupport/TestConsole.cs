using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using RelayWarden.Core.Control;
using RelayWarden.Core.Directory;
using RelayWarden.Web;
using RelayWarden.Web.Auth;

namespace RelayWarden.TestSupport;

/// <summary>
/// A real relay (<see cref="TestRelay"/>) with the operators' console on an ephemeral loopback port, an
/// admin and an analyst operator, and one API token for each.
/// </summary>
public sealed partial class TestConsole : IAsyncDisposable
{
    public const string AdminName = "alice-admin";
    public const string AnalystName = "bob-analyst";
    public const string AdminPassword = "admin correct horse";
    public const string AnalystPassword = "analyst correct horse";

    private TestConsole(TestRelay relay, IConsoleStore store, ConsoleServer server, string adminToken, string analystToken)
    {
        Relay = relay;
        Store = store;
        Server = server;
        AdminToken = adminToken;
        AnalystToken = analystToken;
    }

    public TestRelay Relay { get; }

    public IConsoleStore Store { get; }

    public ConsoleServer Server { get; }

    public Uri Address => Server.Address;

    public string AdminToken { get; }

    public string AnalystToken { get; }

    /// <summary>Starts relay and console; the extras go into the relay's test configuration (see <see cref="TestRelay.Config"/>).</summary>
    public static async Task<TestConsole> StartAsync(string relayExtra = "", string topExtra = "", string tenantsExtra = "")
    {
        var relay = await TestRelay.StartAsync(relayExtra: relayExtra, listenExtra: "  web: 127.0.0.1:0\n  smtp_auth_without_tls: true\n", topExtra: topExtra, tenantsExtra: tenantsExtra);
        var store = ConsoleStores.Open(relay.Host.Config);
        var now = DateTimeOffset.UtcNow;
        store.AddOperator(new Operator(AdminName, OperatorRole.Admin, now, false), PasswordHash.Hash(AdminPassword, 1000), "test", null);
        store.AddOperator(new Operator(AnalystName, OperatorRole.Analyst, now, false), PasswordHash.Hash(AnalystPassword, 1000), "test", null);
        string admin = ApiTokens.Create(store, "test-admin", OperatorRole.Admin, "test", now);
        string analyst = ApiTokens.Create(store, "test-analyst", OperatorRole.Analyst, "test", now);
        var server = await ConsoleServer.StartAsync(relay.Host, store, relay.Host.Config.Listen.Web!);
        return new TestConsole(relay, store, server, admin, analyst);
    }

    /// <summary>A client without credentials, or with a bearer token.</summary>
    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Address };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Signs in through the login form; the client keeps the session cookie. Throws when the sign-in fails.</summary>
    public async Task<HttpClient> SignInAsync(string name, string password)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = Address };
        var reply = await PostLoginAsync(client, name, password);
        if (reply.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in of {name} failed: {(int)reply.StatusCode}");
        }

        return client;
    }

    /// <summary>GETs the login form and posts it with its antiforgery token.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string name, string password)
    {
        string form = await client.GetStringAsync(new Uri("/login", UriKind.Relative));
        return await client.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = name,
            ["password"] = password,
            ["__RequestVerificationToken"] = FormToken(form),
        }));
    }

    /// <summary>The antiforgery token of the first form of a page.</summary>
    public static string FormToken(string html)
    {
        var match = FormTokenPattern().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token in the page");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormTokenPattern();

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Store.Dispose();
        await Relay.DisposeAsync();
    }
}
