using System.Globalization;
using MimeKit;
using RelayWarden.Smtp.Spool;

namespace RelayWarden.Smtp.Delivery;

/// <summary>Builds a delivery status notification (RFC 3464 multipart/report) for recipients that failed for good.</summary>
public static class DsnBuilder
{
    /// <summary>The DSN as wire bytes (CRLF), addressed to the original envelope sender.</summary>
    public static byte[] Build(string reportingHost, SpoolEnvelope original, IReadOnlyList<FailedRecipient> failed, ReadOnlyMemory<byte> originalContent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(failed);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{reportingHost}"));
        message.To.Add(MailboxAddress.Parse(original.MailFrom));
        message.Subject = "Undelivered Mail Returned to Sender";
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(reportingHost);
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var report = new MultipartReport("delivery-status");
        var text = string.Join("\r\n", failed.Select(f => $"<{f.Recipient}>: {f.Diagnostic}"));
        report.Add(new TextPart("plain")
        {
            Text = $"This is the mail system at host {reportingHost}.\r\n\r\nYour message could not be delivered to one or more recipients.\r\n\r\n{text}\r\n",
        });

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", $"dns; {reportingHost}" },
            { "X-RelayWarden-Queue-ID", original.Id },
            { "Arrival-Date", MimeKit.Utils.DateUtils.FormatDate(original.Received) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var recipient in failed)
        {
            status.StatusGroups.Add(new HeaderList
            {
                { "Final-Recipient", $"rfc822; {recipient.Recipient}" },
                { "Action", "failed" },
                { "Status", recipient.Status },
                { "Diagnostic-Code", $"smtp; {Printable(recipient.Diagnostic)}" },
                { "Last-Attempt-Date", MimeKit.Utils.DateUtils.FormatDate(now) },
            });
        }

        report.Add(status);
        var headers = new MimePart("text", "rfc822-headers")
        {
            Content = new MimeContent(new MemoryStream(HeaderOf(originalContent.Span).ToArray())),
            ContentTransferEncoding = ContentEncoding.SevenBit,
        };
        report.Add(headers);
        message.Body = report;

        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    private static string Printable(string text) =>
        new([.. text.Select(c => c < 32 || c > 126 ? ' ' : c)]);

    private static ReadOnlySpan<byte> HeaderOf(ReadOnlySpan<byte> message)
    {
        int end = message.IndexOf("\r\n\r\n"u8);
        var header = end < 0 ? message : message[..(end + 2)];
        // Keep 7-bit text only: the part is declared 7bit.
        return header.IndexOfAnyExceptInRange((byte)0, (byte)127) < 0 ? header : System.Text.Encoding.ASCII.GetBytes(
            System.Text.Encoding.UTF8.GetString(header).Select(c => c > 127 ? '?' : c).ToArray());
    }

    /// <summary>The RFC 3463 class of a status (<c>5.1.1</c>) for logs.</summary>
    public static string Describe(int code) => code.ToString(CultureInfo.InvariantCulture);
}
