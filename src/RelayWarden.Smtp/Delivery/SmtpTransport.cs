using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace RelayWarden.Smtp.Delivery;

/// <summary>
/// Delivery to a smarthost (<c>smtp://[user:password@]host:port</c>) with MailKit: STARTTLS when the
/// server offers it (opportunistic, like Postfix <c>may</c>), AUTH when credentials are given. Every
/// recipient gets its own result; a refused recipient does not stop the others.
/// </summary>
public sealed class SmtpTransport : IDeliveryTransport
{
    private readonly Func<string, CancellationToken, Task<IReadOnlyList<(string Host, int Port)>>> _hosts;
    private readonly string? _user;
    private readonly string? _password;
    private readonly string _heloName;
    private readonly TimeSpan _timeout;

    private SmtpTransport(string name, Func<string, CancellationToken, Task<IReadOnlyList<(string Host, int Port)>>> hosts, string? user, string? password, string heloName, TimeSpan timeout)
    {
        Name = name;
        _hosts = hosts;
        _user = user;
        _password = password;
        _heloName = heloName;
        _timeout = timeout;
    }

    public string Name { get; }

    /// <summary>A smarthost from <c>smtp://[user:password@]host:port</c>.</summary>
    public static SmtpTransport Smarthost(Uri uri, string heloName, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(uri);
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
        }

        var host = (uri.Host, uri.Port > 0 ? uri.Port : 25);
        return new SmtpTransport("smtp", (_, _) => Task.FromResult<IReadOnlyList<(string, int)>>([host]), user, password, heloName, timeout);
    }

    /// <summary>Direct delivery to the recipients' MX hosts (port 25).</summary>
    public static SmtpTransport Mx(MxResolver resolver, string heloName, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        return new SmtpTransport("mx", resolver.ResolveAsync, null, null, heloName, timeout);
    }

    public async Task<IReadOnlyList<RecipientResult>> DeliverAsync(string id, string mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        var results = new List<RecipientResult>();
        foreach (var group in recipients.GroupBy(r => Name == "mx" ? r[(r.LastIndexOf('@') + 1)..].ToLowerInvariant() : string.Empty))
        {
            results.AddRange(await DeliverGroupAsync(group.Key, mailFrom, [.. group], content, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private async Task<IReadOnlyList<RecipientResult>> DeliverGroupAsync(string domain, string mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        IReadOnlyList<(string Host, int Port)> hosts;
        try
        {
            hosts = await _hosts(domain, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return Transient(recipients, $"cannot resolve the next hop for {domain}: {exception.Message}");
        }

        if (hosts.Count == 0)
        {
            return [.. recipients.Select(r => new RecipientResult(r, RecipientOutcome.Permanent, $"no mail host for domain {domain}", "5.1.2"))];
        }

        string lastError = "no host tried";
        foreach (var (host, port) in hosts)
        {
            try
            {
                return await SendAsync(host, port, mailFrom, recipients, content, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is SocketException or IOException or ServiceNotConnectedException or ProtocolException or TimeoutException or SslHandshakeException
                or AuthenticationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                lastError = $"{host}:{port}: {exception.Message}";
            }
        }

        return Transient(recipients, lastError);
    }

    private static List<RecipientResult> Transient(IReadOnlyList<string> recipients, string detail) =>
        [.. recipients.Select(r => new RecipientResult(r, RecipientOutcome.Transient, detail, "4.4.1"))];

    private async Task<IReadOnlyList<RecipientResult>> SendAsync(string host, int port, string mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var client = new RecordingSmtpClient { Timeout = (int)_timeout.TotalMilliseconds, LocalDomain = _heloName };
        client.ServerCertificateValidationCallback = (_, _, _, _) => true; // opportunistic TLS: encryption without authentication of the peer.
        await client.ConnectAsync(host, port, SecureSocketOptions.StartTlsWhenAvailable, cancellationToken).ConfigureAwait(false);
        if (_user is not null)
        {
            await client.AuthenticateAsync(_user, _password ?? string.Empty, cancellationToken).ConfigureAwait(false);
        }

        using var stream = new MemoryStream(content.ToArray(), writable: false);
        var message = await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        var sender = new MailboxAddress(string.Empty, mailFrom);
        var mailboxes = recipients.Select(r => new MailboxAddress(string.Empty, r)).ToList();
        var results = new List<RecipientResult>();
        try
        {
            string response = await client.SendAsync(FormatOptions.Default, message, sender, mailboxes, cancellationToken).ConfigureAwait(false);
            foreach (string recipient in recipients)
            {
                if (client.Refused.TryGetValue(recipient, out var refused))
                {
                    results.Add(refused);
                }
                else
                {
                    results.Add(new RecipientResult(recipient, RecipientOutcome.Delivered, $"{host}:{port} said: 250 {response}", "2.0.0"));
                }
            }
        }
        catch (SmtpCommandException exception)
        {
            var outcome = (int)exception.StatusCode >= 500 ? RecipientOutcome.Permanent : RecipientOutcome.Transient;
            string status = outcome == RecipientOutcome.Permanent ? "5.0.0" : "4.0.0";
            foreach (string recipient in recipients)
            {
                results.Add(client.Refused.TryGetValue(recipient, out var refused)
                    ? refused
                    : new RecipientResult(recipient, outcome, $"{host}:{port} said: {(int)exception.StatusCode} {exception.Message}", status));
            }
        }

        try
        {
            await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ServiceNotConnectedException or ProtocolException or SmtpCommandException)
        {
            // Delivered already; a failed QUIT changes nothing.
        }

        return results;
    }

    /// <summary>A MailKit client that records refused recipients instead of failing the whole transaction.</summary>
    private sealed class RecordingSmtpClient : SmtpClient
    {
        public Dictionary<string, RecipientResult> Refused { get; } = new(StringComparer.OrdinalIgnoreCase);

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        {
            var outcome = (int)response.StatusCode >= 500 ? RecipientOutcome.Permanent : RecipientOutcome.Transient;
            string status = outcome == RecipientOutcome.Permanent ? "5.1.1" : "4.0.0";
            Refused[mailbox.Address] = new RecipientResult(mailbox.Address, outcome, $"{(int)response.StatusCode} {response.Response}", status);
        }
    }
}
