using System.Buffers.Binary;
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
    private readonly IDoorListener _listener;

    /// <summary>The shared behavior monitor, asked at end of headers; null when off.</summary>
    public IMonitorGate? Monitor { get; init; }

    /// <summary>The clock for the monitor's event time.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public MilterServer(string address, Func<SenderAuthorization> engine, MilterLimits limits, ILogger logger)
    {
        _engine = engine;
        _limits = limits;
        _logger = logger;
        var options = new ListenerOptions { MaxConnections = limits.MaxConnections, IdleTimeout = limits.ReadTimeout, EventLoops = limits.EventLoops };
        _listener = DoorListener.Create(address, "milter", options, logger, _ => new Conversation(this));
    }

    /// <summary>The bound address: <c>inet:127.0.0.1:PORT</c> or <c>unix:PATH</c>.</summary>
    public string Address => _listener.Address;

    public int Connections => _listener.Connections;

    public void Start() => _listener.Start();

    // One connection: handle every complete packet the MTA sent, answer them in one write (the
    // transport sends the output after each call). Postfix writes an event together with the events
    // before it that get no reply (macros, connect, headers), so a message costs one read and one
    // write per answered event.
    private sealed class Conversation(MilterServer server) : IStreamSession
    {
        private readonly MilterSession _session = new(server._engine, server._limits, server.Monitor, server.Time);
        private readonly List<MilterReply> _replies = new(2);

        public int Received(StreamConnection connection, ReadOnlySpan<byte> input)
        {
            var limits = server._limits;
            long id = connection.Id;
            int start = 0;
            bool lastAnswered = true;
            try
            {
                while (input.Length - start >= 4)
                {
                    uint length = BinaryPrimitives.ReadUInt32BigEndian(input[start..]);
                    if (length == 0 || length > limits.MaxPacketBytes)
                    {
                        server._logger.LogWarning("milter[{Session}]: packet length {Length} (0 or over {Max} octets); closing", id, length, limits.MaxPacketBytes);
                        Append(connection, new MilterReply(MilterProtocol.ReplyTempfail, []));
                        connection.Close();
                        return input.Length;
                    }

                    if (input.Length - start < 4 + length)
                    {
                        break; // the rest of the packet comes with a later read
                    }

                    byte command = input[start + 4];
                    var data = input.Slice(start + 5, (int)length - 1);
                    start += 4 + (int)length;
                    _replies.Clear();
                    bool keepOpen = _session.Handle(command, data, _replies);
                    lastAnswered = _replies.Count > 0;
                    foreach (var reply in _replies)
                    {
                        Append(connection, reply);
                    }

                    if (_session.LastVerdict is { Reasons.Count: > 0 } verdict && _replies.Count > 0 && verdict.Action != VerdictAction.Relay
                        && server._logger.IsEnabled(LogLevel.Information))
                    {
                        server._logger.LogInformation("milter[{Session}]: {Command} login={Login} -> {Action} {Reply} [{Reasons}]",
                            id, (char)command, _session.Login, verdict.Action, verdict.Reply, string.Join("; ", verdict.Reasons));
                    }

                    if (!keepOpen)
                    {
                        connection.Close();
                        return input.Length;
                    }
                }
            }
#pragma warning disable CA1031 // A session's root: log our bug, close this connection, keep the process.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                // Postfix applies milter_default_action when we close.
                server._logger.LogError(exception, "milter[{Session}]: internal error; closing", id);
                connection.Close();
                return input.Length;
            }

            // The MTA may be holding its next packet (Nagle) until we ACK what we just read: an event
            // that gets no reply, or the first part of a packet. Our replies carry the ACK of what they answer.
            if (!lastAnswered || start < input.Length)
            {
                connection.RequestQuickAck();
            }

            return start;
        }

        public void Closed(StreamConnection connection, StreamClose reason, int pending)
        {
            if (reason is StreamClose.Idle or StreamClose.Stopping)
            {
                server._logger.LogInformation("milter[{Session}]: idle or stopping; closing", connection.Id);
            }
        }
    }

    private static void Append(StreamConnection output, MilterReply reply)
    {
        int length = reply.PacketLength;
        reply.WriteTo(output.GetSpan(length));
        output.Advance(length);
    }

    /// <summary>Stops accepting, lets connections finish their current event until <paramref name="drain"/>, then cancels.</summary>
    public Task StopAsync(TimeSpan drain) => _listener.StopAsync(drain);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
