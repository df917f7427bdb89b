using System.Buffers;
using System.Buffers.Binary;
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
        _listener = new ConnectionListener(address, "milter", limits.MaxConnections, logger, Run);
    }

    /// <summary>The bound address: <c>inet:127.0.0.1:PORT</c> or <c>unix:PATH</c>.</summary>
    public string Address => _listener.Address;

    public int Connections => _listener.Connections;

    public void Start() => _listener.Start();

    // One connection, on its own thread with blocking I/O: read what the MTA sent, handle every
    // complete packet in it, send all their replies in one write, read again. Postfix writes an
    // event together with the events before it that get no reply (macros, connect, headers), so
    // a message costs one read and one write per answered event.
    private void Run(BlockingConnection connection)
    {
        var socket = connection.Socket;
        long id = connection.Id;
        byte[] input = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        byte[] output = ArrayPool<byte>.Shared.Rent(256);
        int start = 0;
        int end = 0;
        var session = new MilterSession(_engine, _limits, Monitor, Time);
        var replies = new List<MilterReply>(2);
        bool armQuickAck = false;
        try
        {
            socket.ReceiveTimeout = (int)Math.Clamp(_limits.ReadTimeout.TotalMilliseconds, 1, int.MaxValue);
            while (true)
            {
                int written = 0;
                bool keepOpen = true;
                bool lastAnswered = true;
                while (keepOpen && end - start >= 4)
                {
                    uint length = BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(start));
                    if (length == 0 || length > _limits.MaxPacketBytes)
                    {
                        _logger.LogWarning("milter[{Session}]: packet length over {Max} octets; closing", id, _limits.MaxPacketBytes);
                        Append(ref output, ref written, new MilterReply(MilterProtocol.ReplyTempfail, []));
                        keepOpen = false;
                        break;
                    }

                    if (end - start < 4 + length)
                    {
                        if (input.Length < 4 + length)
                        {
                            Grow(ref input, ref start, ref end, 4 + (int)length);
                        }

                        break;
                    }

                    byte command = input[start + 4];
                    var data = input.AsSpan(start + 5, (int)length - 1);
                    start += 4 + (int)length;
                    replies.Clear();
                    keepOpen = session.Handle(command, data, replies);
                    lastAnswered = replies.Count > 0;
                    foreach (var reply in replies)
                    {
                        Append(ref output, ref written, reply);
                    }

                    if (session.LastVerdict is { Reasons.Count: > 0 } verdict && replies.Count > 0 && verdict.Action != VerdictAction.Relay)
                    {
                        _logger.LogInformation("milter[{Session}]: {Command} login={Login} -> {Action} {Reply} [{Reasons}]",
                            id, (char)command, session.Login, verdict.Action, verdict.Reply, string.Join("; ", verdict.Reasons));
                    }
                }

                if (written > 0)
                {
                    Send(socket, output.AsSpan(0, written));
                }

                // The MTA may be holding its next packet (Nagle) until we ACK what we just read: an
                // event that gets no reply, or the first part of a packet. Our replies carry the ACK
                // of what they answer.
                armQuickAck = !lastAnswered || start < end;

                if (!keepOpen)
                {
                    return;
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (end == input.Length)
                {
                    // A partial packet at the end of the buffer: move it to the front.
                    input.AsSpan(start, end - start).CopyTo(input);
                    end -= start;
                    start = 0;
                }

                if (armQuickAck)
                {
                    QuickAck(socket);
                    armQuickAck = false;
                }

                if (!connection.BeginRead())
                {
                    _logger.LogInformation("milter[{Session}]: idle or stopping; closing", id);
                    return;
                }

                int received;
                try
                {
                    received = socket.Receive(input, end, input.Length - end, SocketFlags.None);
                }
                catch (SocketException exception) when (exception.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                    _logger.LogInformation("milter[{Session}]: idle or stopping; closing", id);
                    return;
                }
                finally
                {
                    connection.EndRead();
                }

                if (received == 0)
                {
                    if (connection.Stopping)
                    {
                        _logger.LogInformation("milter[{Session}]: idle or stopping; closing", id);
                    }

                    return;
                }

                end += received;
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
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    private const int InitialBuffer = 4096;

    private static void Append(ref byte[] output, ref int written, MilterReply reply)
    {
        int length = reply.PacketLength;
        if (output.Length - written < length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(written + length);
            output.AsSpan(0, written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(output);
            output = larger;
        }

        reply.WriteTo(output.AsSpan(written));
        written += length;
    }

    // Makes room for a packet of `needed` octets (its declared length is within the limit).
    private static void Grow(ref byte[] input, ref int start, ref int end, int needed)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(needed);
        input.AsSpan(start, end - start).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(input);
        input = larger;
        end -= start;
        start = 0;
    }

    private static void Send(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[socket.Send(data, SocketFlags.None)..];
        }
    }

    // Linux TCP_QUICKACK (netinet/tcp.h: IPPROTO_TCP 6, TCP_QUICKACK 12). The MTA sends packets
    // that get no reply (macros, connect, headers; Postfix's smtpd flushes the DATA macros on their
    // own when it hands the milter to cleanup); with Nagle on its side and delayed ACKs on ours, its
    // next packet would wait ~40 ms for our ACK. Setting the option sends a pending ACK at once, so
    // it is set after reading data that we do not answer; an answer carries the ACK itself.
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

    /// <summary>Stops accepting, lets connections finish their current event until <paramref name="drain"/>, then cancels.</summary>
    public Task StopAsync(TimeSpan drain) => _listener.StopAsync(drain);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
