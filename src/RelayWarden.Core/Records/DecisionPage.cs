namespace RelayWarden.Core.Records;

/// <summary>One page of a search, newest first; <see cref="Next"/> is null on the last page.</summary>
public sealed record DecisionPage(IReadOnlyList<DecisionRecord> Records, DecisionCursor? Next);
