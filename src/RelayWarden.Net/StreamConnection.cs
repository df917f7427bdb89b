using System.Buffers;
using System.Net;

namespace RelayWarden.Net;

/// <summary>
/// What a <see cref="IStreamSession"/> sees of its connection, whichever transport serves it: its
/// number, its peer, and an output buffer (<see cref="IBufferWriter{T}"/>) that the transport sends
/// after each <see cref="IStreamSession.Received"/>.
/// </summary>
public sealed class StreamConnection : IBufferWriter<byte>
{
    private readonly Func<EndPoint?> _peer;
    private readonly Func<bool> _stopping;
    private EndPoint? _remote;
    private bool _remoteKnown;
    private byte[] _output = [];
    private int _written;
    private int _sent;

    internal StreamConnection(long id, Func<EndPoint?> peer, Func<bool> stopping)
    {
        Id = id;
        _peer = peer;
        _stopping = stopping;
    }

    /// <summary>The connection's number in log lines.</summary>
    public long Id { get; }

    /// <summary>The peer's address (null for a Unix socket), looked up on first use.</summary>
    public EndPoint? RemoteEndPoint
    {
        get
        {
            if (!_remoteKnown)
            {
                _remote = _peer();
                _remoteKnown = true;
            }

            return _remote;
        }
    }

    /// <summary>True once the listener is stopping.</summary>
    public bool Stopping => _stopping();

    /// <summary>True once the session asked to close (after the output is sent).</summary>
    public bool CloseRequested { get; private set; }

    /// <summary>True when the session asked for a quick ACK after the output is sent (see <see cref="RequestQuickAck"/>).</summary>
    internal bool QuickAckRequested { get; set; }

    /// <summary>Closes the connection once the output written so far is sent; nothing more is read.</summary>
    public void Close() => CloseRequested = true;

    /// <summary>
    /// Asks for TCP_QUICKACK once the output is sent (TCP on Linux; ignored elsewhere): the peer may be
    /// holding its next packet (Nagle) until we acknowledge data we do not answer.
    /// </summary>
    public void RequestQuickAck() => QuickAckRequested = true;

    /// <summary>Appends octets to the output.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        data.CopyTo(GetSpan(data.Length));
        _written += data.Length;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _output.Length)
        {
            throw new InvalidOperationException("advanced past the buffer");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _output.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _output.AsSpan(_written);
    }

    private void Reserve(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_output.Length - _written >= needed)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(256, Math.Max(_output.Length * 2, _written + needed)));
        _output.AsSpan(_sent, _written - _sent).CopyTo(larger);
        _written -= _sent;
        _sent = 0;
        ReturnOutput();
        _output = larger;
    }

    /// <summary>The output not yet sent.</summary>
    internal ReadOnlySpan<byte> Unsent => _output.AsSpan(_sent, _written - _sent);

    internal bool HasUnsent => _written > _sent;

    /// <summary>Records <paramref name="count"/> octets sent; the buffer goes back to the pool once all are.</summary>
    internal void Sent(int count)
    {
        _sent += count;
        if (_sent == _written)
        {
            _sent = _written = 0;
            ReturnOutput();
        }
    }

    /// <summary>Drops the output (the connection is closed).</summary>
    internal void Release()
    {
        _sent = _written = 0;
        ReturnOutput();
    }

    private void ReturnOutput()
    {
        if (_output.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_output);
            _output = [];
        }
    }
}
