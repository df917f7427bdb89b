using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RelayWarden.Core.Monitor;
using RelayWarden.Core.Policy;
using RelayWarden.Net;

namespace RelayWarden.Milter;

/// <summary>
/// The milter listener (<c>listen.milter</c>: <c>inet:ADDRESS:PORT</c> or <c>unix:PATH</c>). Each
/// connection is its own fault domain: a bad length or a broken peer closes that connection only.
/// </summary>
public sealed class MilterServer : IAsyncDisposable
{
    private readonly Func<SenderAuthorization> _engine;
    private readonly MilterLimits _limits;
    private readonly ILogger _logger;
    private readonly ConnectionListener _listener;

    /// <summary>The shared behavior monitor, asked at end of headers; null when off.</summary>
    public IMonitorGate? Monitor { get; init; }

    /// <summary>The clock for the monitor's event time.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public MilterServer(string address, Func<SenderAuthorization> engine, MilterLimits limits, ILogger logger)
    {
        _engine = engine;
        _limits = limits;
        _logger = logger;
        _listener = new ConnectionListener(address, "milter", limits.MaxConnections, logger, RunAsync);
    }

    /// <summary>The bound address: <c>inet:127.0.0.1:PORT</c> or <c>unix:PATH</c>.</summary>
    public string Address => _listener.Address;

    public int Connections => _listener.Connections;

    public void Start() => _listener.Start();

    private async Task RunAsync(Socket socket, long id, CancellationToken stopping)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024));
        var session = new MilterSession(_engine, _limits, Monitor, Time);
        var replies = new List<MilterReply>(2);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        try
        {
            while (true)
            {
                timeout.CancelAfter(_limits.ReadTimeout); // restarts the one timer of this connection
                QuickAck(socket);
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _logger.LogInformation("milter[{Session}]: idle or stopping; closing", id);
                    return;
                }

                var buffer = result.Buffer;
                bool keepOpen = true;
                while (keepOpen && TryReadPacket(ref buffer, out byte command, out var data, out bool tooLarge))
                {
                    replies.Clear();
                    keepOpen = session.Handle(command, data.IsSingleSegment ? data.FirstSpan : data.ToArray(), replies);
                    foreach (var reply in replies)
                    {
                        await stream.WriteAsync(reply.ToPacket()).ConfigureAwait(false);
                    }

                    if (session.LastVerdict is { Reasons.Count: > 0 } verdict && replies.Count > 0 && verdict.Action != VerdictAction.Relay)
                    {
                        _logger.LogInformation("milter[{Session}]: {Command} login={Login} -> {Action} {Reply} [{Reasons}]",
                            id, (char)command, session.Login, verdict.Action, verdict.Reply, string.Join("; ", verdict.Reasons));
                    }

                    if (tooLarge)
                    {
                        keepOpen = false;
                    }
                }

                if (TooLargePending(buffer))
                {
                    _logger.LogWarning("milter[{Session}]: packet length over {Max} octets; closing", id, _limits.MaxPacketBytes);
                    await stream.WriteAsync(new MilterReply(MilterProtocol.ReplyTempfail, []).ToPacket()).ConfigureAwait(false);
                    return;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (!keepOpen || result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            _logger.LogDebug("milter[{Session}]: connection lost: {Error}", id, exception.Message);
        }
#pragma warning disable CA1031 // A session's root: log our bug, close this connection, keep the process.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // Postfix applies milter_default_action when we close.
            _logger.LogError(exception, "milter[{Session}]: internal error; closing", id);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    // Linux TCP_QUICKACK (netinet/tcp.h: IPPROTO_TCP 6, TCP_QUICKACK 12). The MTA sends macro
    // packets that get no reply; with Nagle on its side and delayed ACKs on ours, the next packet
    // would wait ~40 ms for our ACK. Quick-ACK mode is not sticky, so it is re-armed before each read.
    private static readonly byte[] s_one = BitConverter.GetBytes(1);

    private static void QuickAck(Socket socket)
    {
        if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 && OperatingSystem.IsLinux())
        {
            try
            {
                socket.SetRawSocketOption(6, 12, s_one);
            }
            catch (SocketException)
            {
                // Not supported here: correctness does not depend on it.
            }
        }
    }

    private bool TooLargePending(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> length = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(length);
        uint declared = BinaryPrimitives.ReadUInt32BigEndian(length);
        return declared == 0 || declared > _limits.MaxPacketBytes;
    }

    private bool TryReadPacket(ref ReadOnlySequence<byte> buffer, out byte command, out ReadOnlySequence<byte> data, out bool tooLarge)
    {
        command = 0;
        data = default;
        tooLarge = false;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(header);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length == 0 || length > _limits.MaxPacketBytes)
        {
            return false; // TooLargePending closes the connection
        }

        if (buffer.Length < 4 + length)
        {
            return false;
        }

        command = buffer.Slice(4, 1).FirstSpan[0];
        data = buffer.Slice(5, length - 1);
        buffer = buffer.Slice(4 + length);
        return true;
    }

    /// <summary>Stops accepting, lets connections finish their current event until <paramref name="drain"/>, then cancels.</summary>
    public Task StopAsync(TimeSpan drain) => _listener.StopAsync(drain);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
