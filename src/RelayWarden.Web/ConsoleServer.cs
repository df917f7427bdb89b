using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RelayWarden.Core.Control;
using RelayWarden.Hosting.Mta;
using RelayWarden.Hosting.Relay;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web;

/// <summary>
/// The operators' console: Razor pages and the REST API on <c>listen.web</c>, served by the same process
/// as the relay (<c>relaywarden serve</c>). Anonymous: <c>/healthz</c>, <c>/metrics</c>,
/// <c>/openapi/v1.json</c>, the login page and the stylesheet; everything else needs a session (pages,
/// API) or an API token (API). Sessions are HTTP-only, SameSite=Strict cookies; every state-changing
/// request of a session carries an antiforgery token (forms: hidden field; API: <c>X-CSRF-TOKEN</c>).
/// </summary>
public sealed class ConsoleServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ConsoleServer(WebApplication app, ConsoleContext context, Uri address)
    {
        _app = app;
        Context = context;
        Address = address;
    }

    /// <summary>The bound address (with the real port when the configuration said 0).</summary>
    public Uri Address { get; }

    public ConsoleContext Context { get; }

    /// <summary>Builds and starts the console for a running relay.</summary>
    public static async Task<ConsoleServer> StartAsync(RelayHost host, IConsoleStore store, IPEndPoint endpoint, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(endpoint);
        var context = new ConsoleContext(host, store, time ?? TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ConsoleServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endpoint);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1 << 20;
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(new RelayLogLoggerProvider(host.Log, "web"));
        ConfigureServices(builder.Services, context, host.Config.DataDir);

        var app = builder.Build();
        MapEndpoints(app);
        await app.StartAsync().ConfigureAwait(false);
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.Replace("[::]", "[::1]", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        host.Log.Write("web.start", ("address", address));
        return new ConsoleServer(app, context, address);
    }

    private static void ConfigureServices(IServiceCollection services, ConsoleContext context, string dataDir)
    {
        services.AddSingleton(context);
        services.AddSingleton(new LoginThrottle());
        services.AddDataProtection()
            .SetApplicationName("relaywarden-console")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDir, "console-keys")));
        services.AddAuthentication(ConsoleClaims.SelectScheme)
            .AddPolicyScheme(ConsoleClaims.SelectScheme, null, options =>
                options.ForwardDefaultSelector = http => http.Request.Headers.Authorization.Count > 0 ? ConsoleClaims.TokenScheme : ConsoleClaims.CookieScheme)
            .AddCookie(ConsoleClaims.CookieScheme, options =>
            {
                options.Cookie.Name = "rw_session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.LoginPath = "/login";
                options.LogoutPath = "/logout";
                options.AccessDeniedPath = "/denied";
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                options.Events = new CookieAuthenticationEvents
                {
                    OnRedirectToLogin = redirect => ApiOr(redirect, StatusCodes.Status401Unauthorized),
                    OnRedirectToAccessDenied = redirect => ApiOr(redirect, StatusCodes.Status403Forbidden),
                    OnValidatePrincipal = ValidateSessionAsync,
                };
            })
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(ConsoleClaims.TokenScheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsoleClaims.AdminPolicy, policy => policy.RequireRole(ConsoleClaims.RoleName(OperatorRole.Admin)));
        services.AddAntiforgery(options =>
        {
            options.HeaderName = CsrfFilter.HeaderName;
            options.Cookie.Name = "rw_csrf";
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddRazorPages(options =>
        {
            options.Conventions.AuthorizeFolder("/");
            options.Conventions.AllowAnonymousToPage("/Login");
        });
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "RelayWarden console API";
            document.Info.Description = "Every /api route needs a session cookie (with X-CSRF-TOKEN on writes) or 'Authorization: Bearer rw_…' (relaywarden token create). Routes that change state need the admin role.";
            return Task.CompletedTask;
        }));
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.Use(SecurityHeadersAsync);
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGet("/healthz", (ConsoleContext console) => Results.Ok(new { Status = "ok", Queued = console.Host.Spool.List().Count }))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/static/console.css", () => Results.Text(Asset("console.css"), "text/css; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapOpenApi().AllowAnonymous();
        Metrics.MetricsEndpoint.Map(app);

        var api = app.MapGroup("/api").RequireAuthorization().AddEndpointFilter<CsrfFilter>().WithTags("api");
        foreach (var area in ConsoleAreas.Api)
        {
            area(api);
        }

        // An unknown /api path still needs credentials first: 401 without them, 404 with them.
        app.MapFallback("/api/{**path}", () => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "no such API route"))
            .RequireAuthorization().ExcludeFromDescription();
        app.MapRazorPages();
    }

    private static Task ApiOr(RedirectContext<CookieAuthenticationOptions> redirect, int status)
    {
        if (redirect.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            redirect.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        redirect.Response.Redirect(redirect.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>A session is as good as its operator now: disabled or deleted operators lose it, role changes apply at once.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext validate)
    {
        var console = validate.HttpContext.RequestServices.GetRequiredService<ConsoleContext>();
        string? name = validate.Principal?.Identity?.Name;
        if (name is null || console.Store.FindOperator(name) is not { Disabled: false } found)
        {
            validate.RejectPrincipal();
            await validate.HttpContext.SignOutAsync(ConsoleClaims.CookieScheme).ConfigureAwait(false);
            return;
        }

        if (!validate.Principal!.IsInRole(ConsoleClaims.RoleName(found.Role)))
        {
            validate.ReplacePrincipal(ConsoleClaims.Principal(found.Name, found.Role, ConsoleClaims.CookieScheme));
            validate.ShouldRenew = true;
        }
    }

    private static Task SecurityHeadersAsync(HttpContext http, Func<Task> next)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
        return next();
    }

    /// <summary>The text of an embedded asset (Assets/NAME).</summary>
    internal static string Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("RelayWarden.Web.Assets." + name)
            ?? throw new InvalidOperationException($"missing embedded asset {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Stops accepting requests and finishes those in flight.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
