using RelayWarden.Core.Records;

namespace RelayWarden.Hosting.Reports;

/// <summary>The CSV exports of the console: decision search results and the two tables of an incident report.</summary>
public static class RecordsCsv
{
    /// <summary>
    /// Decisions, one row each; recipients, recipient domains and rule ids joined with spaces. Each row goes to
    /// <paramref name="output"/> with one asynchronous write (an HTTP response body allows no synchronous I/O).
    /// </summary>
    public static async Task WriteDecisionsAsync(TextWriter output, IAsyncEnumerable<DecisionRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(records);
        using var row = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var csv = new CsvWriter(row);
        csv.Row("time", "id", "stage", "action", "reply", "tenant", "account", "client_ip", "helo", "tls", "auth_login", "mail_from",
            "from", "sender", "recipients", "recipient_domains", "message_id", "size", "queue_id", "rules");
        await foreach (var r in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            csv.Time(r.Time).Text(r.Id).Text(r.Stage).Text(r.Action.ToString().ToLowerInvariant()).Text(r.Reply).Text(r.Tenant).Text(r.Account)
                .Text(r.ClientIp).Text(r.Helo).Text(r.Tls ? "yes" : "no").Text(r.AuthLogin).Text(r.MailFrom).Text(r.From).Text(r.Sender)
                .Text(string.Join(' ', r.Recipients)).Text(string.Join(' ', r.RecipientDomains)).Text(r.MessageId).Number(r.Size)
                .Text(r.QueueId).Text(string.Join(' ', r.Reasons.Select(x => x.Rule))).EndRow();
            await output.WriteAsync(row.GetStringBuilder(), cancellationToken).ConfigureAwait(false);
            row.GetStringBuilder().Clear();
        }

        await output.WriteAsync(row.GetStringBuilder(), cancellationToken).ConfigureAwait(false); // the header when no record matched
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The report's submitters table.</summary>
    public static void WriteSubmitters(TextWriter output, IncidentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new CsvWriter(output);
        csv.Row(["tenant", "account", "client_ip", .. CountHeaders]);
        foreach (var s in report.BySubmitter)
        {
            Counts(csv.Text(s.Tenant).Text(s.Account).Text(s.ClientIp), s.Counts);
        }
    }

    /// <summary>The report's table of tenants whose domains were used (one row per owner, or per unclaimed domain).</summary>
    public static void WriteOwners(TextWriter output, IncidentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new CsvWriter(output);
        csv.Row(["owner_tenant", "domains", .. CountHeaders]);
        foreach (var v in report.ByOwner)
        {
            Counts(csv.Text(v.OwnerTenant).Text(string.Join(' ', v.Domains)), v.Counts);
        }
    }

    private static readonly string[] CountHeaders =
        ["accepted", "held", "refused", "recipients", "refused_recipients", "recipient_domains", "first_seen", "last_seen"];

    private static void Counts(CsvWriter csv, IncidentCounts c) =>
        csv.Number(c.Accepted).Number(c.Held).Number(c.Refused).Number(c.Recipients).Number(c.RefusedRecipients).Number(c.RecipientDomains)
            .Time(c.FirstSeen).Time(c.LastSeen).EndRow();
}
