using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using RelayWarden.Core.Policy;
using RelayWarden.Core.Records;
using RelayWarden.Net;

namespace RelayWarden.Policy;

/// <summary>
/// The Postfix policy-delegation listener (<c>listen.policy</c>): persistent connections, one
/// request at a time each, as Postfix's smtpd sends them. Every connection is its own fault domain;
/// bad input gets a clear <c>action=</c> answer; shutdown stops accepting, then drains.
/// </summary>
public sealed class PolicyServer : IAsyncDisposable
{
    private readonly PolicyDecider _decider;
    private readonly PolicyLimits _limits;
    private readonly ILogger _logger;
    private readonly IDoorListener _listener;
    private long _requests;

    public PolicyServer(IPEndPoint endpoint, PolicyDecider decider, PolicyLimits limits, ILogger logger)
    {
        _decider = decider;
        _limits = limits;
        _logger = logger;
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(limits);
        var options = new ListenerOptions
        {
            MaxConnections = limits.MaxConnections,
            IdleTimeout = limits.IdleTimeout,
            InitialBuffer = Math.Max(4096, limits.MaxLineBytes + 2),
            EventLoops = limits.EventLoops,
        };
        _listener = DoorListener.Create(endpoint.ToString(), "policy", options, logger, _ => new Session(this));
    }

    /// <summary>The bound address (the port is known after binding port 0).</summary>
    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint!;

    /// <summary>Requests answered since start.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Open connections.</summary>
    public int Connections => _listener.Connections;

    public void Start() => _listener.Start();

    // One connection (one outstanding request at a time, as Postfix's smtpd sends them): parse the
    // requests in what was read, decide, queue the answers; the transport sends them in one write.
    private sealed class Session(PolicyServer server) : IStreamSession
    {
        private readonly PolicyRequestReader _reader = new(server._limits);
        private readonly PolicyRequest _request = new();
        private int _errors;
        private long _answered;

        public int Received(StreamConnection connection, ReadOnlySpan<byte> input)
        {
            var logger = server._logger;
            var limits = server._limits;
            long id = connection.Id;
            int consumed = 0;
            try
            {
                while (true)
                {
                    var parsed = _reader.Parse(input[consumed..], _request, out int used);
                    consumed += used;
                    if (parsed is not { } result)
                    {
                        return consumed; // the rest of the request comes with a later read
                    }

                    string action;
                    bool close = false;
                    switch (result)
                    {
                        case PolicyReadResult.Request:
                            (action, var verdict) = server.Decide(_request, id);
                            if (verdict is null && PolicyActions.IsMalformed(action))
                            {
                                // An unsupported request type or a missing attribute: the peer's error, counted as garbage is.
                                close = ++_errors >= limits.MaxErrors;
                                logger.LogWarning("policy[{Session}]: request not judged from {Peer}: {Action}", id, connection.RemoteEndPoint, action);
                            }
                            else if (verdict is { Reasons.Count: > 0 } && logger.IsEnabled(LogLevel.Information))
                            {
                                logger.LogInformation("policy[{Session}]: {State} client={Client} login={Login} sender=<{Sender}> rcpt=<{Rcpt}> -> {Action} [{Reasons}]",
                                    id, _request[PolicyAttributes.ProtocolState], _request[PolicyAttributes.ClientAddress], _request[PolicyAttributes.SaslUsername],
                                    _request[PolicyAttributes.Sender], _request[PolicyAttributes.Recipient], action, string.Join("; ", verdict.Reasons));
                            }

                            break;
                        case PolicyReadResult.Garbage:
                            action = PolicyActions.Malformed("malformed request (a line without '=')");
                            close = ++_errors >= limits.MaxErrors;
                            logger.LogWarning("policy[{Session}]: malformed request from {Peer}", id, connection.RemoteEndPoint);
                            break;
                        case PolicyReadResult.TooManyAttributes:
                            action = PolicyActions.Malformed($"more than {limits.MaxAttributes} attributes");
                            close = ++_errors >= limits.MaxErrors;
                            logger.LogWarning("policy[{Session}]: too many attributes from {Peer}", id, connection.RemoteEndPoint);
                            break;
                        default: // LineTooLong: the stream is unusable
                            action = PolicyActions.Malformed($"attribute line longer than {limits.MaxLineBytes} octets");
                            close = true;
                            logger.LogWarning("policy[{Session}]: over-long line from {Peer}; closing", id, connection.RemoteEndPoint);
                            break;
                    }

                    connection.Write(server.Answer(action));
                    _answered++;
                    Interlocked.Increment(ref server._requests);
                    if (close)
                    {
                        connection.Close();
                        return input.Length;
                    }
                }
            }
#pragma warning disable CA1031 // A session's root: log our bug with the session id, keep the process.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                // Postfix applies smtpd_policy_service_default_action when we close without answering.
                logger.LogError(exception, "policy[{Session}]: internal error; closing without answer", id);
                connection.Close();
                return input.Length;
            }
        }

        public void Closed(StreamConnection connection, StreamClose reason, int pending)
        {
            if (reason == StreamClose.EndOfStream && (pending > 0 || _reader.InRequest))
            {
                server._logger.LogWarning("policy[{Session}]: {Peer} closed in the middle of a request", connection.Id, connection.RemoteEndPoint);
            }

            // Otherwise: end of stream, stopping or idle: Postfix reconnects when it needs us.
            server._logger.LogDebug("policy[{Session}]: closed after {Answered} answers", connection.Id, _answered);
        }
    }

    private (string Action, Verdict? Verdict) Decide(PolicyRequest request, long session)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var decided = _decider.Decide(request);
            RelayMeters.PolicyDecisionSeconds.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            if (decided.Verdict is { } verdict)
            {
                RelayMeters.Decision("policy", "policy", verdict.Action, verdict.Reasons);
            }

            return decided;
        }
#pragma warning disable CA1031 // A fault in translation: a temporary answer, never a pass.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _logger.LogError(exception, "policy[{Session}]: decision failed", session);
            return (PolicyActions.Malformed("temporary policy failure"), null);
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _answers = new(StringComparer.Ordinal);

    /// <summary><c>action=...</c> and the blank line; the few distinct answers are encoded once.</summary>
    private byte[] Answer(string action)
    {
        if (!_answers.TryGetValue(action, out var bytes))
        {
            bytes = Encode(action);
            if (_answers.Count < 1024)
            {
                _answers.TryAdd(action, bytes);
            }
        }

        return bytes;
    }

    private static byte[] Encode(string action)
    {
        int length = Encoding.UTF8.GetByteCount(action) + 9;
        byte[] bytes = new byte[length];
        "action="u8.CopyTo(bytes);
        Encoding.UTF8.GetBytes(action, bytes.AsSpan(7));
        bytes[^2] = (byte)'\n';
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Stops accepting, lets sessions finish their current request until <paramref name="drain"/>, then cancels.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        await _listener.StopAsync(drain).ConfigureAwait(false);
        _logger.LogInformation("policy: {Requests} requests answered", Requests);
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
