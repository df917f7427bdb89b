using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RelayWarden.Smtp.Tests.Infrastructure;

/// <summary>A message the sink accepted: envelope and the content as received (dot-stuffing undone).</summary>
public sealed record SinkMessage(string MailFrom, IReadOnlyList<string> Recipients, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A capturing SMTP sink on loopback, the relay's next hop in tests. Recipients whose local part
/// starts with <c>reject</c> get 550 5.1.1; the sink can be stopped and started again on the same port.
/// </summary>
public sealed class TestSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<SinkMessage> _messages = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private Socket? _listener;
    private CancellationTokenSource? _cts;

    private TestSink(int port) => Port = port;

    public int Port { get; }

    public IReadOnlyCollection<SinkMessage> Messages => _messages;

    /// <summary>A port reserved for a sink that is not running yet (next hop down).</summary>
    public static TestSink Reserve()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new TestSink(((IPEndPoint)probe.LocalEndPoint!).Port);
    }

    public static TestSink StartNew()
    {
        var sink = Reserve();
        sink.Start();
        return sink;
    }

    public void Start()
    {
        _cts = new CancellationTokenSource();
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, Port));
        _listener.Listen(64);
        var token = _cts.Token;
        var listener = _listener;
        _ = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync(token);
                }
                catch (Exception)
                {
                    return;
                }

                _ = Task.Run(() => ServeAsync(client, token));
            }
        });
    }

    public async Task StopAsync()
    {
        if (_cts is not null)
        {
            await _cts.CancelAsync();
        }

        _listener?.Close();
        _listener = null;
    }

    /// <summary>Waits until <paramref name="count"/> messages arrived in all, or fails after the timeout.</summary>
    public async Task<IReadOnlyList<SinkMessage>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_messages.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"the sink got {_messages.Count} message(s), expected {count}");
            }

            await _arrived.WaitAsync(left);
        }

        return [.. _messages];
    }

    private async Task ServeAsync(Socket socket, CancellationToken token)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        async Task Send(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), token);
        try
        {
            await Send("220 sink.test ESMTP");
            string mailFrom = string.Empty;
            var rcpts = new List<string>();
            while (await reader.ReadLineAsync(token) is { } line)
            {
                string upper = line.ToUpperInvariant();
                if (upper.StartsWith("EHLO", StringComparison.Ordinal))
                {
                    await Send("250-sink.test\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SMTPUTF8");
                }
                else if (upper.StartsWith("HELO", StringComparison.Ordinal))
                {
                    await Send("250 sink.test");
                }
                else if (upper.StartsWith("MAIL FROM:", StringComparison.Ordinal))
                {
                    mailFrom = Path(line[10..]);
                    rcpts.Clear();
                    await Send("250 2.1.0 Ok");
                }
                else if (upper.StartsWith("RCPT TO:", StringComparison.Ordinal))
                {
                    string rcpt = Path(line[8..]);
                    if (rcpt.StartsWith("reject", StringComparison.OrdinalIgnoreCase))
                    {
                        await Send("550 5.1.1 No such user");
                    }
                    else
                    {
                        rcpts.Add(rcpt);
                        await Send("250 2.1.5 Ok");
                    }
                }
                else if (upper == "DATA")
                {
                    await Send("354 go ahead");
                    var data = new MemoryStream();
                    while (await reader.ReadLineAsync(token) is { } dataLine && dataLine != ".")
                    {
                        string content = dataLine.StartsWith('.') ? dataLine[1..] : dataLine;
                        var bytes = Encoding.Latin1.GetBytes(content + "\r\n");
                        data.Write(bytes);
                    }

                    _messages.Enqueue(new SinkMessage(mailFrom, [.. rcpts], data.ToArray()));
                    _arrived.Release();
                    await Send("250 2.0.0 Ok: queued");
                }
                else if (upper == "QUIT")
                {
                    await Send("221 2.0.0 Bye");
                    return;
                }
                else
                {
                    await Send("250 2.0.0 Ok");
                }
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
    }

    private static string Path(string argument)
    {
        argument = argument.Trim();
        int end = argument.IndexOf('>', StringComparison.Ordinal);
        return argument.StartsWith('<') && end > 0 ? argument[1..end] : argument.Split(' ')[0];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _cts?.Dispose();
        _arrived.Dispose();
    }
}
