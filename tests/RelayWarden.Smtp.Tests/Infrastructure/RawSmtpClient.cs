using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RelayWarden.Smtp.Tests.Infrastructure;

/// <summary>A byte-level SMTP client for hostile-input tests: sends exactly what it is told, reads replies.</summary>
public sealed class RawSmtpClient : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[65536];
    private readonly StringBuilder _pending = new();

    private RawSmtpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawSmtpClient> ConnectAsync(IPEndPoint server, string localAddress = "127.0.0.10")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
        await socket.ConnectAsync(server);
        return new RawSmtpClient(socket);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Sends one command (CRLF added) and reads its reply.</summary>
    public async Task<string?> CommandAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await ReplyAsync();
    }

    /// <summary>Reads one whole reply (all continuation lines); null when the server closed the connection.</summary>
    public async Task<string?> ReplyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var reply = new StringBuilder();
        while (true)
        {
            string? line = await LineAsync(cts.Token);
            if (line is null)
            {
                return reply.Length == 0 ? null : reply.ToString();
            }

            reply.Append(line).Append('\n');
            if (line.Length < 4 || line[3] != '-')
            {
                return reply.ToString().TrimEnd('\n');
            }
        }
    }

    /// <summary>True when the server closed the connection (reads end) within the timeout.</summary>
    public async Task<bool> IsClosedAsync(TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                int n = await _stream.ReadAsync(_buffer, cts.Token);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<string?> LineAsync(CancellationToken token)
    {
        while (true)
        {
            string text = _pending.ToString();
            int end = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 2);
                return text[..end];
            }

            int n;
            try
            {
                n = await _stream.ReadAsync(_buffer, token);
            }
            catch (IOException)
            {
                return null;
            }

            if (n == 0)
            {
                return null;
            }

            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, n));
        }
    }

    public void Dispose() => _stream.Dispose();
}
