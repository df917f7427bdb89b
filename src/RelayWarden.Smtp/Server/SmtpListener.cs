using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RelayWarden.Smtp.Server;

/// <summary>
/// Accepts SMTP connections, enforces the connection limits (in all and per client address) and
/// runs each session as its own fault domain. Shutdown: stop accepting, let sessions in DATA finish
/// until a deadline (idle ones get 421 at once), then abort the rest.
/// </summary>
public sealed class SmtpListener : IAsyncDisposable
{
    private readonly SmtpServerContext _context;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<IPAddress, int> _perIp = new();
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private readonly bool _loopback;
    private int _open;
    private Task? _acceptLoop;

    public SmtpListener(SmtpServerContext context, IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _context = context;
        _loopback = IPAddress.IsLoopback(endpoint.Address);
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(endpoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The bound address (port 0 in the configuration becomes the real port).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Sessions open now.</summary>
    public int OpenSessions => Volatile.Read(ref _open);

    public void Start()
    {
        _socket.Listen(1024);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException exception) when (!_stopping.IsCancellationRequested)
            {
                _context.Log.Write("smtp.accept-error", ("error", exception.SocketErrorCode));
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Admit(client);
        }
    }

    private void Admit(Socket client)
    {
        client.NoDelay = true;
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        int open = Interlocked.Increment(ref _open);
        int fromIp = _perIp.AddOrUpdate(address, 1, (_, n) => n + 1);
        if (open > _context.Limits.MaxConnections || fromIp > _context.Limits.MaxConnectionsPerIp)
        {
            _context.Log.Write("smtp.refused-connection", ("client", address), ("open", open), ("from_ip", fromIp));
            _ = RefuseAsync(client, address);
            return;
        }

        var task = Task.Run(async () =>
        {
            var session = new SmtpSession(_context, new NetworkStream(client, ownsSocket: true), remote, _loopback, _stopping.Token, _abort.Token);
            await session.RunAsync().ConfigureAwait(false);
        });
        _sessions.TryAdd(task, 0);
        _ = task.ContinueWith(t =>
        {
            _sessions.TryRemove(t, out _);
            Release(address);
        }, TaskScheduler.Default);
    }

    private async Task RefuseAsync(Socket client, IPAddress address)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.SendAsync(Encoding.ASCII.GetBytes(SmtpReplies.Format(SmtpReplies.TooManyConnections) + "\r\n"), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Both);
        }
#pragma warning disable CA1031 // Best effort on a connection we refuse anyway.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            client.Dispose();
            Release(address);
        }
    }

    private void Release(IPAddress address)
    {
        Interlocked.Decrement(ref _open);
        if (_perIp.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0)
        {
            _perIp.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
        }
    }

    /// <summary>Stops accepting, lets work in progress finish until <paramref name="drain"/>, then aborts.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Close();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        var all = Task.WhenAll(_sessions.Keys);
        if (await Task.WhenAny(all, Task.Delay(drain)).ConfigureAwait(false) != all)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        _socket.Dispose();
        _stopping.Dispose();
        _abort.Dispose();
    }
}
