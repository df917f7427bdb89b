using System.Buffers;
using System.Net;
using System.Net.Sockets;
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
    private readonly ConnectionListener _listener;
    private long _requests;

    public PolicyServer(IPEndPoint endpoint, PolicyDecider decider, PolicyLimits limits, ILogger logger)
    {
        _decider = decider;
        _limits = limits;
        _logger = logger;
        _listener = new ConnectionListener(endpoint.ToString(), "policy", limits.MaxConnections, logger, RunSession);
    }

    /// <summary>The bound address (the port is known after binding port 0).</summary>
    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint!;

    /// <summary>Requests answered since start.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Open connections.</summary>
    public int Connections => _listener.Connections;

    public void Start() => _listener.Start();

    // One connection, on its own thread with blocking I/O (one outstanding request at a time, as
    // Postfix's smtpd sends them): read a request, decide, queue the answer; answers go out when the
    // reader is about to wait for the peer, so pipelined requests get one write.
    private void RunSession(BlockingConnection connection)
    {
        var socket = connection.Socket;
        long id = connection.Id;
        int errors = 0;
        long answered = 0;
        var output = new ArrayBufferWriter<byte>(256);
        void Flush()
        {
            if (output.WrittenCount > 0)
            {
                var data = output.WrittenSpan;
                while (!data.IsEmpty)
                {
                    data = data[socket.Send(data, SocketFlags.None)..];
                }

                output.ResetWrittenCount();
            }
        }

        using var requests = new PolicyRequestReader(connection, _limits, Flush);
        var request = new PolicyRequest();
        try
        {
            socket.ReceiveTimeout = (int)Math.Clamp(_limits.IdleTimeout.TotalMilliseconds, 1, int.MaxValue);
            while (true)
            {
                var result = requests.Read(request);
                string action;
                bool close = false;
                switch (result)
                {
                    case PolicyReadResult.Request:
                        (action, var verdict) = Decide(request, id);
                        if (verdict is { Reasons.Count: > 0 })
                        {
                            _logger.LogInformation("policy[{Session}]: {State} client={Client} login={Login} sender=<{Sender}> rcpt=<{Rcpt}> -> {Action} [{Reasons}]",
                                id, request[PolicyAttributes.ProtocolState], request[PolicyAttributes.ClientAddress], request[PolicyAttributes.SaslUsername],
                                request[PolicyAttributes.Sender], request[PolicyAttributes.Recipient], action, string.Join("; ", verdict.Reasons));
                        }

                        break;
                    case PolicyReadResult.Garbage:
                        action = PolicyActions.Malformed("malformed request (a line without '=')");
                        close = ++errors >= _limits.MaxErrors;
                        _logger.LogWarning("policy[{Session}]: malformed request from {Peer}", id, socket.RemoteEndPoint);
                        break;
                    case PolicyReadResult.TooManyAttributes:
                        action = PolicyActions.Malformed($"more than {_limits.MaxAttributes} attributes");
                        close = ++errors >= _limits.MaxErrors;
                        _logger.LogWarning("policy[{Session}]: too many attributes from {Peer}", id, socket.RemoteEndPoint);
                        break;
                    case PolicyReadResult.LineTooLong:
                        action = PolicyActions.Malformed($"attribute line longer than {_limits.MaxLineBytes} octets");
                        close = true;
                        _logger.LogWarning("policy[{Session}]: over-long line from {Peer}; closing", id, socket.RemoteEndPoint);
                        break;
                    case PolicyReadResult.Truncated:
                        _logger.LogWarning("policy[{Session}]: {Peer} closed in the middle of a request", id, socket.RemoteEndPoint);
                        return;
                    default:
                        return; // end of stream, stopping or idle: Postfix reconnects when it needs us
                }

                output.Write(Answer(action));
                answered++;
                Interlocked.Increment(ref _requests);
                if (close)
                {
                    Flush();
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            _logger.LogDebug("policy[{Session}]: connection lost: {Error}", id, exception.Message);
        }
#pragma warning disable CA1031 // A session's root: log our bug with the session id, keep the process.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // Postfix applies smtpd_policy_service_default_action when we close without answering.
            _logger.LogError(exception, "policy[{Session}]: internal error; closing without answer", id);
        }
        finally
        {
            _logger.LogDebug("policy[{Session}]: closed after {Answered} answers", id, answered);
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
