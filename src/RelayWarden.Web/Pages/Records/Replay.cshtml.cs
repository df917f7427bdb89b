using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Core.Policy;
using RelayWarden.Hosting.Reports;
using RelayWarden.Web.Api;
using RelayWarden.Web.Records;

namespace RelayWarden.Web.Pages.Records;

/// <summary>
/// "What if": the recorded decisions of a window (default: the last 24 h) judged again with the relay's
/// current policy and one rule's action changed — typically a rule tried in monitor mode, set to reject —
/// listing every verdict that would change (<see cref="PolicyReplay"/>). Read-only: any role.
/// </summary>
public sealed class ReplayModel : PageModel
{
    private readonly ConsoleContext _console;

    public ReplayModel(ConsoleContext console) => _console = console;

    internal ReplayView? Result { get; private set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>Every rule id, for the form's list.</summary>
    public static IReadOnlyList<string> Rules => RuleIds.All;

    /// <summary>The rule's action in the relay's configuration now.</summary>
    public string CurrentAction(string rule) => _console.Host.Engines.Current.Options.ActionFor(rule).ToString().ToLowerInvariant();

    public string Value(string name, string fallback = "") => Request.Query[name].FirstOrDefault() is { Length: > 0 } value ? value : fallback;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Request.Query["rule"].FirstOrDefault()))
        {
            return; // the empty form
        }

        var query = new Microsoft.AspNetCore.Http.QueryCollection(new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>
        {
            ["rule_action"] = $"{Value("rule")}={Value("to", "reject")}",
            ["tenant"] = Value("tenant"),
            ["account"] = Value("account"),
            ["since"] = Value("since", "-24h"),
            ["until"] = Value("until", "now"),
            ["limit"] = "200",
        });
        var (result, errors) = await RecordsApi.RunReplayAsync(query, _console, cancellationToken).ConfigureAwait(false);
        Result = result;
        Errors = errors ?? [];
    }
}
