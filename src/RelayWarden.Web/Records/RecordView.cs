using RelayWarden.Core.Records;

namespace RelayWarden.Web.Records;

/// <summary>A decision record as the API shows it (actions and outcomes as words).</summary>
internal sealed record RecordView(
    string Id, DateTimeOffset Time, string? Node, string Stage, string Action, string Reply, string? Tenant, string? Account,
    string? ClientIp, string? Helo, bool Tls, string? AuthLogin, string? MailFrom, string? From, string? Sender,
    IReadOnlyList<string> Recipients, IReadOnlyList<string> RecipientDomains, string? MessageId, long Size, string? QueueId,
    IReadOnlyList<ReasonView> Reasons)
{
    public static RecordView Of(DecisionRecord r) => new(
        r.Id, r.Time, r.Node, r.Stage, r.Action.ToString().ToLowerInvariant(), r.Reply, r.Tenant, r.Account, r.ClientIp, r.Helo, r.Tls,
        r.AuthLogin, r.MailFrom, r.From, r.Sender, r.Recipients, r.RecipientDomains, r.MessageId, r.Size, r.QueueId,
        [.. r.Reasons.Select(x => new ReasonView(x.Rule, x.Outcome.ToString().ToLowerInvariant(), x.Detail, x.Evidence.Header,
            x.Evidence.Address, x.Evidence.Domain, x.Evidence.Owner, x.Evidence.Tenant))]);
}

/// <summary>One reason of a decision, with its evidence.</summary>
internal sealed record ReasonView(string Rule, string Outcome, string Detail, string? Header, string? Address, string? Domain, string? Owner, string? Tenant);

/// <summary>A page of search results; <see cref="Next"/> is the <c>after</c> value of the next page, null on the last.</summary>
internal sealed record RecordPageView(IReadOnlyList<RecordView> Records, string? Next);

/// <summary>A policy replay: totals, changes by recorded → proposed action, why records were not replayed, the overrides, and the changed verdicts listed.</summary>
internal sealed record ReplayView(int Read, int Same, int Changed, int NotReplayed, DateTimeOffset? First, DateTimeOffset? Last,
    IReadOnlyList<ReplayTransitionView> Changes, IReadOnlyList<ReplayWhyView> NotReplayedWhy, IReadOnlyList<string> RuleActions,
    IReadOnlyList<ReplayChangeView> Records);

internal sealed record ReplayTransitionView(string Recorded, string Proposed, int Count);

internal sealed record ReplayWhyView(string Why, int Count);

/// <summary>One changed verdict: the record as stored, and what the proposed policy would do.</summary>
internal sealed record ReplayChangeView(RecordView Record, ProposedView Proposed);

internal sealed record ProposedView(string Action, string Reply, string? Tenant, IReadOnlyList<string> Rules);
