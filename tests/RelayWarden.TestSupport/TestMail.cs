using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace RelayWarden.TestSupport;

/// <summary>Real SMTP traffic to a test relay with MailKit: as a SASL login, or by client address (bound to 127.0.0.N).</summary>
public static class TestMail
{
    /// <summary>Opens a session: authenticated as <paramref name="login"/> (password <see cref="TestRelay.Password"/>), or from <paramref name="local"/> unauthenticated.</summary>
    public static async Task<SmtpClient> ConnectAsync(IPEndPoint relay, string? login = null, IPAddress? local = null)
    {
        ArgumentNullException.ThrowIfNull(relay);
        var client = new SmtpClient { Timeout = 10_000 };
        try
        {
            if (local is not null)
            {
                client.LocalEndPoint = new IPEndPoint(local, 0);
            }

            await client.ConnectAsync(relay.Address.ToString(), relay.Port, SecureSocketOptions.None);
            if (login is not null)
            {
                await client.AuthenticateAsync(login, TestRelay.Password);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>A small message from <paramref name="from"/> to one recipient of its own domain (<c>userN@destN.example</c>).</summary>
    public static MimeMessage Message(string from, int n, string subject = "Quarterly figures")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse($"user{n}@dest{n}.example"));
        message.Subject = $"{subject} {n}";
        message.MessageId = $"test.{n}.{Guid.NewGuid():N}@relay.test";
        message.Body = new TextPart("plain") { Text = "Hello, please find the figures attached.\n" };
        return message;
    }

    /// <summary>Sends <paramref name="count"/> messages in one session; returns the server's replies.</summary>
    public static async Task<List<string>> SendAsync(IPEndPoint relay, string from, int count, string? login = null, IPAddress? local = null, int first = 0)
    {
        using var client = await ConnectAsync(relay, login, local);
        var replies = new List<string>();
        for (int i = first; i < first + count; i++)
        {
            replies.Add(await client.SendAsync(Message(from, i)));
        }

        await client.DisconnectAsync(true);
        return replies;
    }
}
