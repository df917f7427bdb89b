using System.IO.Compression;

namespace RelayWarden.LogHunt.Reading;

/// <summary>
/// One log to read: a file (plain or gzip, detected by its magic bytes) or standard input ("-").
/// Rotated sets are read oldest first: <see cref="Order"/> sorts <c>maillog.2.gz, maillog.1, maillog</c>.
/// </summary>
public sealed record LogInput(string Path)
{
    public bool IsStdin => Path == "-";

    /// <summary>Size on disk (compressed size for .gz), or 0 for stdin.</summary>
    public long Length => IsStdin ? 0 : new FileInfo(Path).Length;

    /// <summary>The year reference of RFC 3164 lines: the file's last write time (its last line), or now for stdin.</summary>
    public DateTimeOffset Reference(TimeProvider clock) => IsStdin ? clock.GetUtcNow() : new DateTimeOffset(File.GetLastWriteTimeUtc(Path), TimeSpan.Zero);

    /// <summary>Opens the bytes of the log, decompressing gzip; <paramref name="counted"/> observes the raw bytes read.</summary>
    public Stream Open(Func<Stream> stdin, Action<long>? counted = null)
    {
        Stream raw = IsStdin ? stdin() : new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        if (counted is not null)
        {
            raw = new CountingStream(raw, counted);
        }

        var buffered = new BufferedStream(raw, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        if (!IsStdin && buffered.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            buffered.Seek(0, SeekOrigin.Begin);
            return new GZipStream(buffered, CompressionMode.Decompress);
        }

        if (!IsStdin)
        {
            buffered.Seek(0, SeekOrigin.Begin);
        }

        return buffered;
    }

    /// <summary>Oldest first: files of one rotation set by descending rotation number (no number = the live file, last); stdin stays last.</summary>
    public static IReadOnlyList<LogInput> Order(IEnumerable<string> paths) =>
        [.. paths.Select((p, i) => (Input: new LogInput(p), Index: i))
            .OrderBy(x => x.Input.IsStdin ? 1 : 0)
            .ThenBy(x => Base(x.Input.Path), StringComparer.Ordinal)
            .ThenByDescending(x => Rotation(x.Input.Path))
            .ThenBy(x => x.Index)
            .Select(x => x.Input)];

    private static string Base(string path)
    {
        string name = StripGz(path);
        int dot = name.LastIndexOf('.');
        if (dot > 0 && name[(dot + 1)..].All(char.IsAsciiDigit))
        {
            return name[..dot];
        }

        int dash = name.LastIndexOf('-');
        return dash > 0 && name.Length - dash - 1 == 8 && name[(dash + 1)..].All(char.IsAsciiDigit) ? name[..dash] : name;
    }

    /// <summary>maillog.3.gz → 3; maillog → 0; maillog-20261120.gz → 10^9 - 20261120 (dated rotations: older dates first, all before the live file).</summary>
    private static long Rotation(string path)
    {
        string name = StripGz(path);
        int dot = name.LastIndexOf('.');
        if (dot > 0 && name.Length - dot - 1 is > 0 and < 9 && name[(dot + 1)..].All(char.IsAsciiDigit))
        {
            return long.Parse(name[(dot + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        int dash = name.LastIndexOf('-');
        if (dash > 0 && name.Length - dash - 1 == 8 && name[(dash + 1)..].All(char.IsAsciiDigit))
        {
            return 1_000_000_000 - long.Parse(name[(dash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        return 0;
    }

    private static string StripGz(string path) => path.EndsWith(".gz", StringComparison.Ordinal) ? path[..^3] : path;

    private sealed class CountingStream(Stream inner, Action<long> counted) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            counted(n);
            return n;
        }

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            counted(n);
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
