using System.Globalization;
using System.Text;
using RelayWarden.Core.Records;

namespace RelayWarden.Web.Dashboard;

/// <summary>
/// The dashboard's inline SVG chart (no script, no inline style: the CSP allows neither): messages
/// accepted and refused (rejected + deferred) per bucket, one polyline each, with hour ticks.
/// </summary>
internal static class DashboardChart
{
    private const int Width = 1200, Height = 260, Left = 52, Right = 14, Top = 14, Bottom = 44;

    public static string Render(IReadOnlyList<ActivityBucket> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var c = CultureInfo.InvariantCulture;
        var svg = new StringBuilder(64 * 1024);
        long max = 1;
        foreach (var bucket in series)
        {
            max = Math.Max(max, Math.Max(bucket.Accepted, bucket.Refused));
        }

        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        double X(int i) => Left + (series.Count <= 1 ? 0 : plotWidth * i / (series.Count - 1));
        double Y(long v) => Top + plotHeight - (plotHeight * v / max);

        svg.Append(c, $"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"Messages and refusals per minute, last 24 hours\" data-testid=\"dashboard-chart\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(c, $"<line class=\"axis\" x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Width - Right}\" y2=\"{Top + plotHeight}\"/>");
        svg.Append(c, $"<line class=\"axis\" x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotHeight}\"/>");
        svg.Append(c, $"<text x=\"{Left - 6}\" y=\"{Top + 10}\" text-anchor=\"end\">{max}</text><text x=\"{Left - 6}\" y=\"{Top + plotHeight}\" text-anchor=\"end\">0</text>");
        for (int i = 0; i < series.Count; i++)
        {
            var start = series[i].Start.UtcDateTime;
            if (start.Minute == 0 && start.Hour % 3 == 0)
            {
                svg.Append(c, $"<line class=\"tick\" x1=\"{X(i):0.#}\" y1=\"{Top + plotHeight}\" x2=\"{X(i):0.#}\" y2=\"{Top + plotHeight + 4}\"/>");
                svg.Append(c, $"<text x=\"{X(i):0.#}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{start:HH:mm}</text>");
            }
        }

        long accepted = 0, refused = 0;
        foreach (var (name, css, value) in new (string, string, Func<ActivityBucket, long>)[] { ("messages", "messages", b => b.Accepted), ("refused", "refused", b => b.Refused) })
        {
            svg.Append(c, $"<polyline class=\"line {css}\" data-series=\"{name}\" points=\"");
            for (int i = 0; i < series.Count; i++)
            {
                svg.Append(c, $"{X(i):0.#},{Y(value(series[i])):0.#} ");
            }

            svg.Append("\"/>");
        }

        foreach (var bucket in series)
        {
            accepted += bucket.Accepted;
            refused += bucket.Refused;
        }

        svg.Append(c, $"<rect class=\"key messages\" x=\"{Left}\" y=\"{Height - 14}\" width=\"10\" height=\"10\"/><text x=\"{Left + 14}\" y=\"{Height - 5}\">messages accepted ({accepted})</text>");
        svg.Append(c, $"<rect class=\"key refused\" x=\"{Left + 220}\" y=\"{Height - 14}\" width=\"10\" height=\"10\"/><text x=\"{Left + 234}\" y=\"{Height - 5}\">refused ({refused})</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }
}
