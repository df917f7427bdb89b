using System.Buffers;
using System.Net.Sockets;
using System.Text;
using RelayWarden.Net;

namespace RelayWarden.Policy;

/// <summary>
/// Reads policy-delegation requests from a blocking socket: <c>name=value</c> lines ending in LF
/// (a CR before it is tolerated), a blank line ends the request. Limits are enforced while reading.
/// Only the attributes RelayWarden uses become strings; the rest are skipped without allocating.
/// Before it waits for the peer it calls the flush callback, so answers to pipelined requests go
/// out in one write.
/// </summary>
internal sealed class PolicyRequestReader : IDisposable
{
    private readonly BlockingConnection _connection;
    private readonly PolicyLimits _limits;
    private readonly Action _flush;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public PolicyRequestReader(BlockingConnection connection, PolicyLimits limits, Action flush)
    {
        _connection = connection;
        _limits = limits;
        _flush = flush;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(4096, limits.MaxLineBytes + 2));
    }

    /// <summary>Reads the next request into <paramref name="request"/>; <see cref="PolicyReadResult.Stopped"/> when the listener stops or the peer is idle too long.</summary>
    public PolicyReadResult Read(PolicyRequest request)
    {
        request.Clear();
        bool any = false;
        bool garbage = false;
        int attributes = 0;
        while (true)
        {
            while (true)
            {
                var pending = _buffer.AsSpan(_start, _end - _start);
                int lf = pending.IndexOf((byte)'\n');
                if (lf < 0)
                {
                    break;
                }

                var line = pending[..lf];
                _start += lf + 1;
                if (line.Length > _limits.MaxLineBytes)
                {
                    return PolicyReadResult.LineTooLong;
                }

                if (line.Length == 0 || (line.Length == 1 && line[0] == (byte)'\r'))
                {
                    if (!any || garbage)
                    {
                        return PolicyReadResult.Garbage;
                    }

                    return attributes > _limits.MaxAttributes ? PolicyReadResult.TooManyAttributes : PolicyReadResult.Request;
                }

                any = true;
                if (++attributes > _limits.MaxAttributes)
                {
                    continue;
                }

                if (!TryAddAttribute(line, request))
                {
                    garbage = true;
                }
            }

            if (_end - _start > _limits.MaxLineBytes)
            {
                return PolicyReadResult.LineTooLong;
            }

            // Keep the partial line, at the front of the buffer.
            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_end == _buffer.Length)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            _flush();
            if (!_connection.BeginRead())
            {
                return PolicyReadResult.Stopped;
            }

            int received;
            try
            {
                received = _connection.Socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                return PolicyReadResult.Stopped; // idle: Postfix reconnects when it needs us
            }
            finally
            {
                _connection.EndRead();
            }

            if (received == 0)
            {
                if (_connection.Stopping)
                {
                    return PolicyReadResult.Stopped;
                }

                return any || _end > _start ? PolicyReadResult.Truncated : PolicyReadResult.EndOfStream;
            }

            _end += received;
        }
    }

    private static bool TryAddAttribute(ReadOnlySpan<byte> line, PolicyRequest request)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        int equals = line.IndexOf((byte)'=');
        if (equals <= 0)
        {
            return false;
        }

        var name = line[..equals];
        if (PolicyAttributes.Lookup(name) is not { } known)
        {
            return true; // well-formed, not used by RelayWarden
        }

        var value = line[(equals + 1)..];
        string text = value.IsEmpty ? string.Empty : Encoding.UTF8.GetString(value);
        request.TryAdd(known, text);
        return true;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
