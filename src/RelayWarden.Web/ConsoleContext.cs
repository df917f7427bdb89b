using System.Security.Claims;
using RelayWarden.Core.Control;
using RelayWarden.Hosting.Relay;

namespace RelayWarden.Web;

/// <summary>
/// What every console page and API route works with: the running relay (engine, control store, records,
/// spool, monitor), the console's own store (operators, tokens, audit) and the clock. One instance per
/// console; pages and API routes call the same services, so the two can never disagree.
/// </summary>
public sealed class ConsoleContext
{
    public ConsoleContext(RelayHost host, IConsoleStore store, TimeProvider time)
    {
        Host = host;
        Store = store;
        Time = time;
    }

    public RelayHost Host { get; }

    public IConsoleStore Store { get; }

    public TimeProvider Time { get; }

    /// <summary>The dashboard's top lists, computed once per minute.</summary>
    public Dashboard.TopListsCache TopLists { get; } = new();

    public IControlStore Control => Host.Control;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>The signed-in operator's (or token's) name, as written in the audit trail: <c>alice</c> or <c>token:ci</c>.</summary>
    public static string Who(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.Name ?? "unknown";
    }
}
