namespace RelayWarden.LogHunt.Reading;

/// <summary>
/// A growing log (<c>--follow</c>, like <c>tail -F</c>): at the end of the file it waits for more; when the file is
/// replaced (rotation: another inode or a shorter file) it reopens the path and reads the new file from its start.
/// Reading ends when <see cref="Cancellation"/> is cancelled.
/// </summary>
public sealed class FollowStream(string path, TimeSpan poll, CancellationToken cancellation, bool fromEnd) : Stream
{
    private const int HeadBytes = 256;
    private readonly byte[] _head = new byte[HeadBytes];
    private FileStream? _file;
    private int _headLength;

    public CancellationToken Cancellation => cancellation;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (!cancellation.IsCancellationRequested)
        {
            if (_file is null && !TryOpen(fromEnd))
            {
                Wait();
                continue;
            }

            int n = _file!.Read(buffer);
            if (n > 0)
            {
                return n;
            }

            // At the end: rotated or truncated? Then read the new file from its start.
            var info = new FileInfo(path);
            if (!info.Exists || info.Length < _file.Position || Replaced())
            {
                _file.Dispose();
                _file = null;
                fromEnd = false;
                continue;
            }

            Wait();
        }

        return 0;
    }

    /// <summary>True when the file at the path no longer starts with the bytes ours starts with (renamed away and recreated).</summary>
    private bool Replaced()
    {
        if (_headLength < HeadBytes)
        {
            _headLength = RandomAccess.Read(_file!.SafeFileHandle, _head, 0);
        }

        try
        {
            using var fresh = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> head = stackalloc byte[HeadBytes];
            int n = RandomAccess.Read(fresh, head, 0);
            int common = Math.Min(n, _headLength);
            return !head[..common].SequenceEqual(_head.AsSpan(0, common)) || (n == 0 && _headLength > 0);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private bool TryOpen(bool seekEnd)
    {
        try
        {
            _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            _headLength = RandomAccess.Read(_file.SafeFileHandle, _head, 0);
            if (seekEnd)
            {
                _file.Seek(0, SeekOrigin.End);
            }

            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Wait() => cancellation.WaitHandle.WaitOne(poll);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file?.Dispose();
        }

        base.Dispose(disposing);
    }
}
