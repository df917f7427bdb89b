using System.Runtime.InteropServices;

namespace RelayWarden.Smtp.Spool;

/// <summary>
/// Crash-safe file writes (chasquid <c>safeio</c>): write a temporary file, fsync it, rename it over
/// the target, fsync the folder. Folder fsyncs of concurrent writers are grouped: one fsync covers
/// every rename that happened before it started (group commit).
/// </summary>
public sealed partial class DurableFile
{
    private readonly string _directory;
    private readonly Lock _lock = new();
    private List<TaskCompletionSource> _waiting = [];
    private bool _busy;

    public DurableFile(string directory) => _directory = directory;

    /// <summary>Writes <paramref name="parts"/> to <paramref name="path"/> (in this folder) durably.</summary>
    public async Task WriteAsync(string path, string tempPath, IEnumerable<ReadOnlyMemory<byte>> parts)
    {
        if (OperatingSystem.IsLinux())
        {
            // Group commit: write and rename without flushing, then one syncfs(2) for every message
            // waiting (file data, inode and the rename in one call) before any of them is answered.
            WriteUnsynced(tempPath, parts);
            File.Move(tempPath, path, overwrite: true);
            await SyncDirectoryAsync().ConfigureAwait(false);
            return;
        }

        WriteSynced(tempPath, parts);
        File.Move(tempPath, path, overwrite: true);
        await SyncDirectoryAsync().ConfigureAwait(false);
    }

    private static void WriteUnsynced(string path, IEnumerable<ReadOnlyMemory<byte>> parts)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        foreach (var part in parts)
        {
            stream.Write(part.Span);
        }
    }

    /// <summary>Writes and fsyncs a file (no rename).</summary>
    public static void WriteSynced(string path, IEnumerable<ReadOnlyMemory<byte>> parts)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        foreach (var part in parts)
        {
            stream.Write(part.Span);
        }

        stream.Flush(flushToDisk: true);
    }

    /// <summary>fsyncs the folder; callers that arrive while one fsync runs share the next one (group commit).</summary>
    public Task SyncDirectoryAsync()
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_lock)
        {
            _waiting.Add(waiter);
            start = !_busy;
            _busy = true;
        }

        if (start)
        {
            _ = Task.Run(SyncLoop);
        }

        return waiter.Task;
    }

    private void SyncLoop()
    {
        while (true)
        {
            List<TaskCompletionSource> batch;
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    _busy = false;
                    return;
                }

                batch = _waiting;
                _waiting = [];
            }

            try
            {
                SyncDirectory(_directory);
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

    /// <summary>fsync(2) on a folder, so that a rename in it survives a crash.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"cannot open folder {directory} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            // Linux: syncfs flushes every file written on the spool's file system, the folder included
            // (one call for the whole batch); elsewhere fsync of the folder after each file's own fsync.
            if ((OperatingSystem.IsLinux() ? Syncfs(fd) : Fsync(fd)) != 0)
            {
                throw new IOException($"sync of folder {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int Syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
