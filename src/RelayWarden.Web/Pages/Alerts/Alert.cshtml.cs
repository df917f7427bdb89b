using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RelayWarden.Core.Control;
using RelayWarden.Core.Records;
using RelayWarden.Web.Alerts;

namespace RelayWarden.Web.Pages.Alerts;

/// <summary>
/// One alert: the rule, the evidence, the account's state, recent activity, held mail and history, and
/// (for admins) the buttons to suspend or resume it, release or delete its held mail, or dismiss the
/// alert as a false positive with an optional allowance.
/// </summary>
public sealed class AlertModel : PageModel
{
    private readonly ConsoleContext _console;

    public AlertModel(ConsoleContext console) => _console = console;

    [BindProperty(SupportsGet = true)]
    public long Id { get; set; }

    public TriagedAlert? Triaged { get; private set; }

    internal AlertEvidence? Evidence { get; private set; }

    /// <summary>The account key when the alert is on an account, else null.</summary>
    public string? Account { get; private set; }

    internal AccountStatus? State { get; private set; }

    public IReadOnlyList<DecisionRecord> Recent { get; private set; } = [];

    internal IReadOnlyList<QueuedMessage> Held { get; private set; } = [];

    public IReadOnlyList<AuditEntry> History { get; private set; } = [];

    public IReadOnlyList<MonitorAllowance> Allowances { get; private set; } = [];

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken).ConfigureAwait(false) ? Page() : NotFound();

    public Task<IActionResult> OnPostSuspendAsync(string? reason, CancellationToken cancellationToken) =>
        ActAsync(account => AlertOperations.Suspend(_console, account, Who, Blank(reason)) ? $"Suspended {account}: the relay refuses it from its next transaction." : $"{account} was suspended already.", cancellationToken);

    public Task<IActionResult> OnPostResumeAsync(string? reason, CancellationToken cancellationToken) =>
        ActAsync(account => AlertOperations.Resume(_console, account, Who, Blank(reason)) ? $"Resumed {account}." : $"{account} was not suspended.", cancellationToken);

    public Task<IActionResult> OnPostReleaseAllAsync(CancellationToken cancellationToken) =>
        ActAsync(account => $"Released {AlertOperations.AllHeld(_console, account, release: true, Who, $"alert {Id}")} held message(s) of {account}.", cancellationToken);

    public Task<IActionResult> OnPostDeleteAllAsync(CancellationToken cancellationToken) =>
        ActAsync(account => $"Deleted {AlertOperations.AllHeld(_console, account, release: false, Who, $"alert {Id}")} held message(s) of {account}.", cancellationToken);

    public Task<IActionResult> OnPostReleaseAsync(string? queueId, CancellationToken cancellationToken) =>
        ActAsync(_ => AlertOperations.IsQueueId(queueId) && AlertOperations.Release(_console, queueId!, Who, $"alert {Id}") ? $"Released {queueId}." : $"No held message {queueId}.", cancellationToken);

    public Task<IActionResult> OnPostDeleteAsync(string? queueId, CancellationToken cancellationToken) =>
        ActAsync(_ => AlertOperations.IsQueueId(queueId) && AlertOperations.Delete(_console, queueId!, Who, $"alert {Id}") ? $"Deleted {queueId}." : $"No message {queueId}.", cancellationToken);

    public async Task<IActionResult> OnPostDismissAsync(string? reason, bool allow, string? allowHours, CancellationToken cancellationToken)
    {
        if (!User.IsInRole("admin"))
        {
            return Forbid();
        }

        double? hours = null;
        if (!string.IsNullOrWhiteSpace(allowHours))
        {
            if (!double.TryParse(allowHours, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
            {
                return await ShowErrorAsync("Hours must be a number.", cancellationToken).ConfigureAwait(false);
            }

            hours = parsed;
        }

        var result = AlertOperations.Dismiss(_console, Id, Who, reason, allow, hours);
        switch (result.Outcome)
        {
            case DismissOutcome.NotFound:
                return NotFound();
            case DismissOutcome.Dismissed:
                TempData["Flash"] = result.Allowance is { } allowance
                    ? $"Dismissed alert {Id}; {allowance.Rule} is allowed for {allowance.Key} {(allowance.Until is { } until ? "until " + until.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "until withdrawn")}."
                    : $"Dismissed alert {Id}.";
                return RedirectToPage(new { Id });
            default:
                return await ShowErrorAsync(result.Error!, cancellationToken).ConfigureAwait(false);
        }
    }

    private string Who => ConsoleContext.Who(User);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private async Task<IActionResult> ShowErrorAsync(string error, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken).ConfigureAwait(false))
        {
            return NotFound();
        }

        Error = error;
        Response.StatusCode = StatusCodes400;
        return Page();
    }

    private const int StatusCodes400 = 400;

    private async Task<IActionResult> ActAsync(Func<string, string> act, CancellationToken cancellationToken)
    {
        if (!User.IsInRole("admin"))
        {
            return Forbid();
        }

        if (!await LoadAsync(cancellationToken).ConfigureAwait(false))
        {
            return NotFound();
        }

        if (Account is null)
        {
            return await ShowErrorAsync("This alert is not on an account.", cancellationToken).ConfigureAwait(false);
        }

        TempData["Flash"] = act(Account);
        return RedirectToPage(new { Id });
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Triaged = _console.Host.Triage.FindAlert(Id);
        if (Triaged is null)
        {
            return false;
        }

        var alert = Triaged.Alert;
        Evidence = AlertOperations.Evidence(alert);
        Account = alert.Scope == "account" ? AlertOperations.Resolve(_console, alert.Key) ?? alert.Key : null;
        Allowances = [.. _console.Host.Triage.Allowances(_console.Now).Where(a => a.Key == alert.Key)];
        if (Account is not null)
        {
            State = AlertOperations.StateOf(_console, Account);
            Recent = await AlertOperations.RecentAsync(_console, Account, 50, cancellationToken).ConfigureAwait(false);
            Held = AlertOperations.Queue(_console, held: true, Account, 200);
            History = AlertOperations.HistoryOf(_console, Account, 50);
        }

        return true;
    }
}
