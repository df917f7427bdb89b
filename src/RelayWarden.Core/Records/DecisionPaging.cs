namespace RelayWarden.Core.Records;

/// <summary>Reading every decision a query matches, page after page through its cursor.</summary>
public static class DecisionPaging
{
    /// <summary>
    /// The decisions matching <paramref name="query"/>, newest first, at most <paramref name="max"/>, fetched a page
    /// (of <paramref name="query"/>'s <see cref="DecisionQuery.Limit"/>) at a time.
    /// </summary>
    public static async IAsyncEnumerable<DecisionRecord> AllAsync(this IDecisionStore store, DecisionQuery query, int max = int.MaxValue,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(query);
        int count = 0;
        while (true)
        {
            var page = await store.SearchAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var record in page.Records)
            {
                if (count++ == max)
                {
                    yield break;
                }

                yield return record;
            }

            if (page.Next is not { } next)
            {
                yield break;
            }

            query = query with { After = next };
        }
    }
}
