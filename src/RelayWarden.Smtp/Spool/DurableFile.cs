using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using RelayWarden.Core.Records;

namespace RelayWarden.Smtp.Spool;

/// <summary>
/// Crash-safe file writes (chasquid <c>safeio</c>): write a temporary file, rename it over the target,
/// flush the file's data and the folder before the caller is answered. Concurrent writers are grouped
/// (group commit): on Linux a commit thread takes the waiting batch, has its files flushed side by
/// side (<c>fdatasync</c> on <see cref="FlushWorkers"/>, through the writers' open handles), then
/// the folder once; elsewhere each writer fsyncs its own file and the folder fsync is shared.
/// </summary>
/// <remarks>
/// Not <c>syncfs(2)</c>: it flushed the batch in one call but also every other dirty page of the file
/// system, so another program's write-back landed in our tail (p99 17–777 ms in runs that followed a
/// busy neighbour, against 7.6–8.9 ms for the per-file batch in the same runs; bench/relay.sh).
/// </remarks>
public sealed partial class DurableFile
{
    // How long the commit thread waits for the next batch before it exits: under steady load it
    // never exits, and no batch waits for a thread-pool thread to start its flush.
    private static readonly TimeSpan s_linger = TimeSpan.FromMilliseconds(200);

    // Flushes of one batch run side by side on these threads (the commit thread takes one share):
    // the device gets them together instead of one after another, and under CPU load the batch
    // waits for one wake-up instead of one per file.
    // Started on the first batch of more than one file (never where the group commit is not used).
    private static readonly Lazy<FlushWorkers> s_workers = new(() => new FlushWorkers(3));

    private readonly string _directory;
    private readonly object _lock = new();
    private List<TaskCompletionSource> _waiting = [];
    private List<SafeFileHandle> _files = [];
    private bool _busy;

    public DurableFile(string directory) => _directory = directory;

    /// <summary>
    /// Writes <paramref name="parts"/> to <paramref name="path"/> (in this folder) durably, through
    /// <paramref name="tempPath"/>: a new file, or (<paramref name="reuse"/>) an existing file of the
    /// same file system that is overwritten in place and cut to the new length, so that no inode is
    /// allocated (see <see cref="MessageSpool"/>'s recycled files).
    /// </summary>
    public async Task WriteAsync(string path, string tempPath, IEnumerable<ReadOnlyMemory<byte>> parts, bool reuse = false)
    {
        if (OperatingSystem.IsLinux())
        {
            // Group commit: write and rename without flushing; the commit thread flushes the data of
            // every waiting file (through the handle still open here), then the folder (the
            // renames), before any of them is answered.
            long started = Stopwatch.GetTimestamp();
            using var stream = Write(tempPath, parts, reuse, flush: false);
            File.Move(tempPath, path, overwrite: true);
            long written = Stopwatch.GetTimestamp();
            RelayMeters.SpoolWriteSeconds.Record(Stopwatch.GetElapsedTime(started, written).TotalSeconds);
            await SyncAsync(stream.SafeFileHandle).ConfigureAwait(false);
            RelayMeters.SpoolCommitWaitSeconds.Record(Stopwatch.GetElapsedTime(written).TotalSeconds);
            return;
        }

        Write(tempPath, parts, reuse, flush: true).Dispose();
        File.Move(tempPath, path, overwrite: true);
        await SyncDirectoryAsync().ConfigureAwait(false);
    }

    private static FileStream Write(string path, IEnumerable<ReadOnlyMemory<byte>> parts, bool reuse, bool flush)
    {
        // Shared: the handle stays open until its group commit, after the rename (readers must not meet a lock).
        var stream = new FileStream(path, reuse ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        try
        {
            foreach (var part in parts)
            {
                stream.Write(part.Span);
            }

            if (reuse && stream.Length != stream.Position)
            {
                stream.SetLength(stream.Position); // a longer previous content must not survive past the end
            }

            if (flush)
            {
                stream.Flush(flushToDisk: true);
            }

            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Writes and fsyncs a file (no rename).</summary>
    public static void WriteSynced(string path, IEnumerable<ReadOnlyMemory<byte>> parts) => Write(path, parts, reuse: false, flush: true).Dispose();

    /// <summary>fsyncs the folder; callers that arrive while one flush runs share the next one (group commit).</summary>
    public Task SyncDirectoryAsync() => SyncAsync(null);

    // Joins the next batch: the file's data (when given), then the folder.
    private Task SyncAsync(SafeFileHandle? file)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_lock)
        {
            _waiting.Add(waiter);
            if (file is not null)
            {
                _files.Add(file);
            }

            start = !_busy;
            _busy = true;
            if (!start)
            {
                Monitor.Pulse(_lock); // the commit thread may be lingering
            }
        }

        if (start)
        {
            new Thread(SyncLoop) { IsBackground = true, Name = "rw-spool-commit" }.UnsafeStart();
        }

        return waiter.Task;
    }

    // The commit thread: takes every waiting writer as one batch, flushes, answers them, repeats;
    // exits after lingering idle.
    private void SyncLoop()
    {
        while (true)
        {
            List<TaskCompletionSource> batch;
            List<SafeFileHandle> files;
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    Monitor.Wait(_lock, s_linger);
                }

                if (_waiting.Count == 0)
                {
                    _busy = false;
                    return;
                }

                batch = _waiting;
                _waiting = [];
                files = _files;
                _files = [];
            }

            try
            {
                long started = Stopwatch.GetTimestamp();
                if (files.Count > 1)
                {
                    s_workers.Value.FlushAll(files);
                }
                else
                {
                    files.ForEach(FlushData);
                }

                SyncDirectory(_directory);
                RelayMeters.SpoolFlushSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                batch.ForEach(w => w.TrySetResult());
            }
#pragma warning disable CA1031 // Every waiter gets the failure; the loop goes on.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                batch.ForEach(w => w.TrySetException(exception));
            }
        }
    }

    /// <summary>fdatasync(2) through an open handle: the file's data (and the size needed to read it back) is on disk.</summary>
    internal static void FlushData(SafeFileHandle file)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            if (Fdatasync((int)file.DangerousGetHandle()) != 0)
            {
                throw new IOException($"fdatasync of a spool file failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>fsync(2) on a folder, so that a rename in it survives a crash.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        Flush(directory, "folder", Fsync);
    }

    private static void Flush(string path, string what, Func<int, int> flush)
    {
        int fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"cannot open {what} {path} to flush it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (flush(fd) != 0)
            {
                throw new IOException($"flush of {what} {path} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
