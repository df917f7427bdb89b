using System.Globalization;
using Microsoft.AspNetCore.Http;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;

namespace RelayWarden.Web.Records;

/// <summary>
/// Reads the decision filters of the search, timeline and incident pages and API routes from a query string
/// (the same names everywhere): <c>tenant account client_ip queue_id message_id mail_from from sender identity
/// recipient recipient_domain rule action stage since until limit after</c>. <c>action</c> takes
/// <c>relay hold defer reject</c>, or <c>accepted</c> / <c>refused</c>, comma-separated or repeated. Times
/// are ISO 8601 (<c>2026-04-21T03:00Z</c>; without an offset they are UTC) or relative to now
/// (<c>-24h</c>, <c>-30m</c>, <c>-7d</c>).
/// </summary>
internal static class RecordFilter
{
    /// <summary>Every filter name, in form order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["tenant", "account", "client_ip", "mail_from", "from", "sender", "identity", "recipient", "recipient_domain", "message_id", "queue_id",
         "rule", "action", "stage", "since", "until", "limit", "after"];

    /// <summary>Builds the (normalized) query; on failure, one line per bad field.</summary>
    public static bool TryRead(IQueryCollection query, DateTimeOffset now, out DecisionQuery filter, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(query);
        errors = [];
        string? Text(string name)
        {
            string? value = query[name].FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
            return value?.Trim();
        }

        var since = Time("since", Text("since"), now, errors);
        var until = Time("until", Text("until"), now, errors);
        var actions = Actions(query["action"], errors);
        int limit = 100;
        if (Text("limit") is { } limitText && !int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
        {
            errors.Add("limit: not a number");
            limit = 100;
        }

        DecisionCursor? after = null;
        if (Text("after") is { } afterText)
        {
            if (DecisionCursor.TryParse(afterText, out var cursor))
            {
                after = cursor;
            }
            else
            {
                errors.Add("after: not a page cursor");
            }
        }

        var raw = new DecisionQuery
        {
            Tenant = Text("tenant"),
            Account = Text("account"),
            ClientIp = Text("client_ip"),
            QueueId = Text("queue_id"),
            MessageId = Text("message_id"),
            MailFrom = Text("mail_from"),
            From = Text("from"),
            Sender = Text("sender"),
            Identity = Text("identity"),
            Recipient = Text("recipient"),
            RecipientDomain = Text("recipient_domain"),
            Rule = Text("rule"),
            Stage = Text("stage"),
            Actions = actions,
            Since = since,
            Until = until,
            Limit = limit,
            After = after,
        };
        if (!raw.TryNormalize(out filter, out var problems))
        {
            errors.AddRange(problems);
        }

        return errors.Count == 0;
    }

    /// <summary>Reads an ISO 8601 time (UTC when no offset) or a time relative to now (<c>-24h</c>, <c>-15m</c>, <c>-7d</c>, <c>now</c>).</summary>
    public static DateTimeOffset? Time(string field, string? text, DateTimeOffset now, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (text == "now")
        {
            return now;
        }

        if (text.Length >= 3 && text[0] == '-' && "smhd".Contains(text[^1], StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(1, text.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out int amount) && amount <= 366 * 24 * 60)
        {
            var span = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return now - span;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        errors.Add($"{field}: '{(text.Length > 40 ? text[..40] : text)}' is not a time (ISO 8601 such as 2026-04-21T03:00Z, or -24h)");
        return null;
    }

    private static List<VerdictAction>? Actions(Microsoft.Extensions.Primitives.StringValues values, List<string> errors)
    {
        var actions = new List<VerdictAction>();
        foreach (string? value in values)
        {
            foreach (string word in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                switch (word.ToLowerInvariant())
                {
                    case "relay": actions.Add(VerdictAction.Relay); break;
                    case "hold": actions.Add(VerdictAction.Hold); break;
                    case "defer": actions.Add(VerdictAction.Defer); break;
                    case "reject": actions.Add(VerdictAction.Reject); break;
                    case "accepted": actions.AddRange([VerdictAction.Relay, VerdictAction.Hold]); break;
                    case "refused": actions.AddRange([VerdictAction.Reject, VerdictAction.Defer]); break;
                    default: errors.Add($"action: '{(word.Length > 20 ? word[..20] : word)}' is not relay, hold, defer, reject, accepted or refused"); break;
                }
            }
        }

        return actions.Count == 0 ? null : actions;
    }

    /// <summary>The query string of a filter page with one value replaced (or removed when null), for links such as "next page".</summary>
    public static string With(IQueryCollection query, string name, string? value, params string[] drop)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var (key, values) in query)
        {
            if (!string.Equals(key, name, StringComparison.Ordinal) && !drop.Contains(key, StringComparer.Ordinal))
            {
                pairs.AddRange(values.Where(v => !string.IsNullOrEmpty(v)).Select(v => new KeyValuePair<string, string?>(key, v)));
            }
        }

        if (value is not null)
        {
            pairs.Add(new(name, value));
        }

        return Microsoft.AspNetCore.Http.QueryString.Create(pairs).ToUriComponent();
    }
}
