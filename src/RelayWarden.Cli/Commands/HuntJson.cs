using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using RelayWarden.LogHunt.Hunting;

namespace RelayWarden.Cli.Commands;

/// <summary>
/// <c>hunt --json</c>: one JSON object per alert per line. The contract: <c>account</c>, <c>detected_at</c>
/// (ISO-8601 log time of the line at which the alert fired), <c>rule</c>, <c>evidence</c>; plus severity, action,
/// scope, key, client_ip and queue_id.
/// </summary>
internal static class HuntJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Line(HuntAlert hunt)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            var alert = hunt.Alert;
            json.WriteStartObject();
            json.WriteString("account", hunt.Account);
            json.WriteString("detected_at", LogOptions.Time(hunt.DetectedAt));
            json.WriteString("rule", alert.Rule);
            json.WriteString("severity", alert.Severity.ToString().ToLowerInvariant());
            json.WriteString("action", alert.Action.ToString().ToLowerInvariant());
            json.WriteString("scope", alert.Scope.ToString().ToLowerInvariant());
            json.WriteString("key", alert.Key);
            Optional(json, "client_ip", hunt.ClientIp);
            Optional(json, "queue_id", hunt.QueueId);
            json.WriteStartObject("evidence");
            json.WriteString("condition", alert.Condition);
            json.WriteNumber("messages_1h", hunt.Window.Messages);
            json.WriteNumber("recipients_1h", hunt.Window.Recipients);
            json.WriteNumber("recipient_domains_1h", hunt.Window.Domains);
            json.WriteNumber("refused_share_1h", Math.Round(hunt.Window.RefusedShare, 4));
            json.WriteStartObject("figures");
            foreach (var (name, value) in alert.Figures.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json.WriteNumber(name, Math.Round(value, 4));
            }

            json.WriteEndObject();
            json.WriteStartArray("top_domains");
            foreach (var (domain, count) in alert.TopDomains)
            {
                json.WriteStartObject();
                json.WriteString("domain", domain);
                json.WriteNumber("count", count);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            Strings(json, "sample_message_ids", alert.SampleMessageIds);
            Strings(json, "subject_hashes", alert.SubjectHashes);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Optional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void Strings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (string value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
