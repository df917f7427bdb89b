using System.Globalization;
using System.Net;
using System.Text;
using RelayWarden.Core.Records;

namespace RelayWarden.Web.Records;

/// <summary>
/// An inline SVG line chart of an activity series (no script, no inline style: the console's CSP allows
/// neither): messages (accepted + refused), refused, recipients and distinct recipient domains per bucket.
/// </summary>
public static class ActivityChart
{
    private const int Width = 1000, Height = 240, Left = 48, Right = 12, Top = 12, Bottom = 36;

    /// <summary>The series drawn, with their colors.</summary>
    public static IReadOnlyList<(string Name, string Color, Func<ActivityBucket, long> Value)> Lines { get; } =
    [
        ("messages", "#2456c9", b => b.Accepted + b.Refused),
        ("refused", "#b3261e", b => b.Refused),
        ("recipients", "#1e7a3c", b => b.Recipients),
        ("recipient domains", "#a15c00", b => b.RecipientDomains),
    ];

    /// <summary>The bucket for a window: minutes up to 6 h, hours up to 14 days, else days.</summary>
    public static TimeSpan BucketFor(TimeSpan window) =>
        window <= TimeSpan.FromHours(6) ? TimeSpan.FromMinutes(1) : window <= TimeSpan.FromDays(14) ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);

    public static string Render(IReadOnlyList<ActivityBucket> series, string label)
    {
        ArgumentNullException.ThrowIfNull(series);
        var svg = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        long max = Math.Max(1, series.Count == 0 ? 1 : Lines.Max(l => series.Max(l.Value)));
        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        double X(int i) => Left + (series.Count <= 1 ? 0 : plotWidth * i / (series.Count - 1));
        double Y(long v) => Top + plotHeight - (plotHeight * v / max);

        svg.Append(c, $"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(label)}\" data-testid=\"activity-chart\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(c, $"<line class=\"axis\" x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Width - Right}\" y2=\"{Top + plotHeight}\"/>");
        svg.Append(c, $"<line class=\"axis\" x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotHeight}\"/>");
        svg.Append(c, $"<text x=\"{Left - 6}\" y=\"{Top + 10}\" text-anchor=\"end\">{max}</text><text x=\"{Left - 6}\" y=\"{Top + plotHeight}\" text-anchor=\"end\">0</text>");
        if (series.Count > 0)
        {
            foreach (int i in new[] { 0, series.Count / 2, series.Count - 1 }.Distinct())
            {
                string anchor = i == 0 ? "start" : i == series.Count - 1 ? "end" : "middle";
                svg.Append(c, $"<text x=\"{X(i):0.#}\" y=\"{Height - Bottom + 16}\" text-anchor=\"{anchor}\">{series[i].Start.UtcDateTime:yyyy-MM-dd HH:mm}</text>");
            }

            foreach (var (name, color, value) in Lines)
            {
                svg.Append(c, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" data-series=\"{name}\" points=\"");
                for (int i = 0; i < series.Count; i++)
                {
                    svg.Append(c, $"{X(i):0.#},{Y(value(series[i])):0.#} ");
                }

                svg.Append("\"/>");
            }
        }

        double legend = Left;
        foreach (var (name, color, value) in Lines)
        {
            long total = name == "recipient domains" ? series.Count == 0 ? 0 : series.Max(value) : series.Sum(value);
            string text = name == "recipient domains" ? $"{name} (max {total}/bucket)" : $"{name} ({total})";
            svg.Append(c, $"<rect x=\"{legend:0}\" y=\"{Height - 12}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{legend + 14:0}\" y=\"{Height - 3}\">{text}</text>");
            legend += 40 + (text.Length * 6.2);
        }

        svg.Append("</svg>");
        return svg.ToString();
    }
}
