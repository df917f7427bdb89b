using System.Diagnostics;
using System.Net;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace RelayWarden.Smtp.Tests.Infrastructure;

/// <summary>Real SMTP clients: MailKit and swaks.</summary>
public static class Clients
{
    public static async Task<SmtpClient> MailKitAsync(IPEndPoint server, string local = "127.0.0.10", SecureSocketOptions options = SecureSocketOptions.None)
    {
        var client = new SmtpClient
        {
            LocalEndPoint = new IPEndPoint(IPAddress.Parse(local), 0),
            ServerCertificateValidationCallback = (_, _, _, _) => true,
            Timeout = 10_000,
        };
        await client.ConnectAsync(server.Address.ToString(), server.Port, options);
        return client;
    }

    public static MimeMessage Message(string from = "alice@acme.example", string to = "bob@customer.example", string body = "Hello Bob.\r\n")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Test";
        message.MessageId = $"{Guid.NewGuid():N}@acme.example";
        message.Date = new DateTimeOffset(2025, 4, 22, 10, 0, 0, TimeSpan.Zero);
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    /// <summary>The bytes MailKit puts on the wire for a message (before dot-stuffing).</summary>
    public static byte[] WireBytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream);
        return stream.ToArray();
    }

    public static bool SwaksAvailable => File.Exists("/usr/bin/swaks");

    /// <summary>Runs swaks and returns its transcript (exit code first).</summary>
    public static async Task<(int ExitCode, string Transcript)> SwaksAsync(IPEndPoint server, string local, params string[] arguments)
    {
        var start = new ProcessStartInfo("swaks")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["--server", $"{server.Address}:{server.Port}", "--local-interface", local, "--timeout", "10", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await output + await error);
    }

    public static string MessagePath(string name) => Path.Combine(AppContext.BaseDirectory, "Messages", name);

    /// <summary>A file's lines with CRLF endings (as swaks sends it).</summary>
    public static byte[] WithCrLf(string path)
    {
        string text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!text.EndsWith('\n'))
        {
            text += "\n";
        }

        return Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n", StringComparison.Ordinal));
    }

    /// <summary>Splits a delivered message into its first (Received) header and the rest.</summary>
    public static (string Received, byte[] Body) SplitReceived(byte[] data)
    {
        string text = Encoding.Latin1.GetString(data);
        Assert.StartsWith("Received: ", text, StringComparison.Ordinal);
        int end = 0;
        while (true)
        {
            end = text.IndexOf("\r\n", end, StringComparison.Ordinal) + 2;
            if (text[end] is not (' ' or '\t'))
            {
                break;
            }
        }

        return (text[..end], data[end..]);
    }
}
