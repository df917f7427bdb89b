using System.Globalization;
using System.IO.Compression;
using RelayWarden.Core.Monitor.Evaluation;

namespace RelayWarden.Cli.Commands;

/// <summary>Readers of the real benign data sets in <c>/work/shared/data</c> (see each folder's SOURCE.md), as messages sorted by time.</summary>
internal static class Datasets
{
    public static readonly string[] Names = ["eu-core", "enron"];

    public static List<DatasetMessage> Load(string dataDir, string name) => name switch
    {
        "eu-core" => EuCore(Path.Combine(dataDir, "email-eu-core-temporal", "email-Eu-core-temporal.txt.gz")),
        "enron" => Enron(Path.Combine(dataDir, "enron-perry-wolfe")),
        _ => throw new ArgumentException($"unknown data set '{name}'", nameof(name)),
    };

    /// <summary>
    /// SNAP email-Eu-core-temporal: "SRC TGT UNIXTS" per (message, recipient), unsorted. A message is a
    /// (sender, timestamp) group, as SOURCE.md describes. Timestamps are shifted to start on 2020-01-06 (a Monday).
    /// </summary>
    private static List<DatasetMessage> EuCore(string path)
    {
        var groups = new Dictionary<(int, long), List<int>>();
        foreach (string line in Lines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3)
            {
                continue;
            }

            int sender = int.Parse(parts[0], CultureInfo.InvariantCulture);
            int recipient = int.Parse(parts[1], CultureInfo.InvariantCulture);
            long time = long.Parse(parts[2], CultureInfo.InvariantCulture);
            if (!groups.TryGetValue((sender, time), out var list))
            {
                groups[(sender, time)] = list = [];
            }

            if (!list.Contains(recipient))
            {
                list.Add(recipient);
            }
        }

        const long origin = 1578268800; // 2020-01-06T00:00:00Z
        return [.. groups.Select(g => new DatasetMessage(origin + g.Key.Item2, g.Key.Item1, [.. g.Value]))
            .OrderBy(m => m.Time).ThenBy(m => m.Sender)];
    }

    /// <summary>Enron (Perry and Wolfe): messages.tsv (mid, file, unix_time, subject, sender) joined with recipients.tsv (mid, rno, receiver).</summary>
    private static List<DatasetMessage> Enron(string folder)
    {
        var recipients = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (string line in Lines(Path.Combine(folder, "recipients.tsv.gz")))
        {
            var parts = line.Split('\t');
            if (parts.Length < 3 || !int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int receiver))
            {
                continue;
            }

            if (!recipients.TryGetValue(parts[0], out var list))
            {
                recipients[parts[0]] = list = [];
            }

            if (!list.Contains(receiver))
            {
                list.Add(receiver);
            }
        }

        var messages = new List<DatasetMessage>();
        foreach (string line in Lines(Path.Combine(folder, "messages.tsv.gz")))
        {
            var parts = line.Split('\t');
            if (parts.Length < 5 || !recipients.TryGetValue(parts[0], out var list) ||
                !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long time) ||
                !int.TryParse(parts[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int sender))
            {
                continue;
            }

            messages.Add(new DatasetMessage(time, sender, [.. list]));
        }

        return [.. messages.OrderBy(m => m.Time).ThenBy(m => m.Sender)];
    }

    private static IEnumerable<string> Lines(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, System.Text.Encoding.Latin1);
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }
}
