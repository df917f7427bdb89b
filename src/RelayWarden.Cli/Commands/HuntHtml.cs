using System.Globalization;
using System.Net;
using System.Text;
using RelayWarden.LogHunt.Hunting;
using RelayWarden.LogHunt.Reading;
using RelayWarden.LogHunt.Records;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>hunt --html</c>: a self-contained report (no scripts, no external files): per flagged account an inline SVG
/// chart of messages and distinct recipient domains over time, and the evidence table of its alerts. The series
/// come from a second pass over the files (not possible for standard input: then the report has no charts).
/// </summary>
internal static class HuntHtml
{
    public static void Write(string path, LogHunter hunter, IReadOnlyList<LogInput> inputs, LogReplay replay, Func<Stream> stdin, LogStatistics statistics)
    {
        var ranked = HuntTable.Rank(hunter);
        var flagged = ranked.Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        SeriesSink? series = null;
        if (flagged.Count > 0 && inputs.All(i => !i.IsStdin))
        {
            var span = hunter.Accounts.Where(a => flagged.Contains(a.Key)).Select(a => a.Value.Last - a.Value.First).DefaultIfEmpty().Max();
            series = new SeriesSink(flagged, span > TimeSpan.FromDays(2) ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(10));
            replay.Run(inputs, series, stdin);
        }

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>RelayWarden hunt</title><style>")
            .Append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left;vertical-align:top}")
            .Append("h2{margin-top:2em}.m{stroke:#1f77b4}.d{stroke:#d62728}svg{border:1px solid #eee}</style></head><body>")
            .Append("<h1>RelayWarden hunt</h1><p>").Append(E(string.Create(CultureInfo.InvariantCulture,
                $"{statistics.Lines:N0} lines, {statistics.Garbled:N0} garbled, {statistics.Unjoinable:N0} unjoinable, {statistics.Messages:N0} messages; {hunter.Alerts.Count} alerts on {ranked.Count} accounts.")))
            .Append("</p>");
        if (ranked.Count == 0)
        {
            html.Append("<p>No suspicious accounts.</p>");
        }

        foreach (var group in ranked)
        {
            html.Append("<h2>").Append(E(group.Key)).Append("</h2>");
            if (hunter.Accounts.TryGetValue(group.Key, out var activity))
            {
                html.Append(CultureInfo.InvariantCulture, $"<p>First activity {E(LogOptions.Short(activity.First))}, last {E(LogOptions.Short(activity.Last))}; {activity.Messages:N0} messages, {activity.Recipients:N0} recipients, {activity.Refused:N0} refused; last client {E(activity.LastClientIp ?? "-")}.</p>");
            }

            if (series?.Buckets.TryGetValue(group.Key, out var buckets) == true)
            {
                Chart(html, buckets, series.Width, group.Select(a => a.DetectedAt).ToList());
            }

            html.Append("<table><tr><th>rule</th><th>detected at</th><th>severity / action</th><th>msgs 1h</th><th>rcpts 1h</th><th>domains 1h</th><th>refused 1h</th><th>condition</th><th>top domains</th><th>sample message ids</th></tr>");
            foreach (var alert in group.OrderBy(a => a.DetectedAt))
            {
                var a = alert.Alert;
                html.Append("<tr><td>").Append(E(a.Rule)).Append("</td><td>").Append(E(LogOptions.Time(alert.DetectedAt)))
                    .Append("</td><td>").Append(E($"{a.Severity} / {a.Action}".ToLowerInvariant()))
                    .Append(CultureInfo.InvariantCulture, $"</td><td>{alert.Window.Messages:N0}</td><td>{alert.Window.Recipients:N0}</td><td>{alert.Window.Domains:N0}</td><td>{alert.Window.RefusedShare:P0}</td><td>")
                    .Append(E(a.Condition)).Append("</td><td>").Append(E(string.Join(", ", a.TopDomains.Select(d => $"{d.Domain} ({d.Count})"))))
                    .Append("</td><td>").Append(E(string.Join(" ", a.SampleMessageIds.Take(5)))).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("</body></html>");
        File.WriteAllText(path, html.ToString());
    }

    private static void Chart(StringBuilder html, SortedDictionary<long, (int Messages, HashSet<string> Domains)> buckets, TimeSpan width, List<DateTimeOffset> detections)
    {
        const int W = 760, H = 220, Left = 50, Bottom = 30, Top = 20;
        long first = buckets.Keys.First();
        long last = Math.Max(buckets.Keys.Last(), first + 1);
        int max = Math.Max(1, buckets.Values.Max(b => Math.Max(b.Messages, b.Domains.Count)));
        double X(long bucket) => Left + ((double)(bucket - first) / (last - first) * (W - Left - 10));
        double Y(int value) => H - Bottom - ((double)value / max * (H - Bottom - Top));
        string Line(Func<(int Messages, HashSet<string> Domains), int> pick)
        {
            var points = new StringBuilder();
            for (long b = first; b <= last; b++)
            {
                int value = buckets.TryGetValue(b, out var v) ? pick(v) : 0;
                points.Append(CultureInfo.InvariantCulture, $"{X(b):0.#},{Y(value):0.#} ");
            }

            return points.ToString();
        }

        long ticks = width.Ticks;
        string Label(long bucket) => LogOptions.Short(new DateTimeOffset(bucket * ticks, TimeSpan.Zero));
        html.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" role=\"img\">")
            .Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{H - Bottom}\" x2=\"{W - 10}\" y2=\"{H - Bottom}\" stroke=\"#999\"/><line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{H - Bottom}\" stroke=\"#999\"/>")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"5\" y=\"{Top + 5}\" font-size=\"11\">{max}</text><text x=\"5\" y=\"{H - Bottom}\" font-size=\"11\">0</text>")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{H - 8}\" font-size=\"11\">{E(Label(first))} UTC</text><text x=\"{W - 160}\" y=\"{H - 8}\" font-size=\"11\">{E(Label(last))} UTC</text>");
        foreach (var detection in detections.Distinct())
        {
            long b = detection.UtcTicks / ticks;
            html.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(b):0.#}\" y1=\"{Top}\" x2=\"{X(b):0.#}\" y2=\"{H - Bottom}\" stroke=\"#f90\" stroke-dasharray=\"4\"><title>alert {E(LogOptions.Time(detection))}</title></line>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<polyline class=\"m\" fill=\"none\" stroke-width=\"1.5\" points=\"{Line(v => v.Messages)}\"/>")
            .Append(CultureInfo.InvariantCulture, $"<polyline class=\"d\" fill=\"none\" stroke-width=\"1.5\" points=\"{Line(v => v.Domains.Count)}\"/>")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 10}\" y=\"{Top - 5}\" font-size=\"11\" fill=\"#1f77b4\">messages per {width.TotalMinutes:0} min</text><text x=\"{Left + 200}\" y=\"{Top - 5}\" font-size=\"11\" fill=\"#d62728\">distinct recipient domains</text><text x=\"{Left + 400}\" y=\"{Top - 5}\" font-size=\"11\" fill=\"#f90\">alerts</text></svg>");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Messages and distinct recipient domains per time bucket, for the flagged accounts only.</summary>
    private sealed class SeriesSink(HashSet<string> accounts, TimeSpan width) : IRecordSink
    {
        public TimeSpan Width => width;

        public Dictionary<string, SortedDictionary<long, (int Messages, HashSet<string> Domains)>> Buckets { get; } = new(StringComparer.Ordinal);

        public void Accepted(MailRecord record, DateTimeOffset time)
        {
            if (record.Account is not { } account || !accounts.Contains(account))
            {
                return;
            }

            if (!Buckets.TryGetValue(account, out var series))
            {
                Buckets[account] = series = [];
            }

            long bucket = time.UtcTicks / width.Ticks;
            if (!series.TryGetValue(bucket, out var value))
            {
                value = (0, new HashSet<string>(StringComparer.Ordinal));
            }

            foreach (var recipient in record.Recipients)
            {
                int at = recipient.Address.LastIndexOf('@');
                value.Domains.Add(at < 0 ? recipient.Address : recipient.Address[(at + 1)..]);
            }

            series[bucket] = (value.Messages + 1, value.Domains);
        }

        public void Refused(MailRecord record, int count, DateTimeOffset time)
        {
        }

        public void Completed(MailRecord record)
        {
        }

        public void Rejected(SmtpReject reject)
        {
        }
    }
}
