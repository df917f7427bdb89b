using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RelayWarden.Smtp.Spool;

/// <summary>
/// The durable spool under <c>data_dir/spool</c>: <c>queue/ID.msg</c> (envelope line + content,
/// immutable once renamed in), <c>queue/ID.state</c> (delivery progress), <c>hold/ID.msg</c> (held
/// for review, never delivered), <c>tmp/</c> (writes in progress; cleared at start) and
/// <c>free/</c> (files of finished messages kept for reuse; cleared at start).
/// </summary>
/// <remarks>
/// A finished message's file is not unlinked but renamed into <c>free/</c>, and the next message is
/// written over it (in place, cut to length) and renamed into <c>queue/</c>: the hot path allocates
/// no inode. Creating a file per message and deleting it after delivery made every create scan the
/// inode bitmap past the inodes freed in the last seconds (ext4 without a journal skips "recently
/// deleted" inodes, as on this project's test machines): at 1,000 messages/s that scan was over a
/// quarter of the relay's CPU and, holding the folder's lock, the end-of-DATA tail. A file being
/// overwritten stays in <c>free/</c> until its rename, so a crash leaves only garbage there.
/// </remarks>
public sealed class MessageSpool
{
    /// <summary>Most finished files kept for reuse; more are deleted.</summary>
    public const int MaxFreeFiles = 2048;

    private static readonly byte[] s_magic = "RWQ1 "u8.ToArray();
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly DurableFile _queueDir;
    private readonly DurableFile _holdDir;
    private readonly TimeProvider _time;
    private readonly System.Collections.Concurrent.ConcurrentStack<string> _free = new();
    private readonly string _freePrefix = $"{Environment.ProcessId:x}.";
    private long _freeNames;

    public MessageSpool(string root, TimeProvider time)
    {
        Root = root;
        _time = time;
        QueueDirectory = Path.Combine(root, "queue");
        HoldDirectory = Path.Combine(root, "hold");
        TempDirectory = Path.Combine(root, "tmp");
        FreeDirectory = Path.Combine(root, "free");
        System.IO.Directory.CreateDirectory(QueueDirectory);
        System.IO.Directory.CreateDirectory(HoldDirectory);
        System.IO.Directory.CreateDirectory(TempDirectory);
        System.IO.Directory.CreateDirectory(FreeDirectory);
        _queueDir = new DurableFile(QueueDirectory);
        _holdDir = new DurableFile(HoldDirectory);
    }

    public string Root { get; }

    public string QueueDirectory { get; }

    public string HoldDirectory { get; }

    public string TempDirectory { get; }

    /// <summary>Files of finished messages waiting to be overwritten by new ones.</summary>
    public string FreeDirectory { get; }

    /// <summary>Finished files this process holds for reuse.</summary>
    public int FreeFiles => _free.Count;

    /// <summary>Raised after a message is durably queued (the queue runner wakes up).</summary>
    public event Action? Queued;

    /// <summary>A new queue id: 12 hex digits of milliseconds, then 8 random (sortable, unguessable enough).</summary>
    public string NewId() =>
        $"{_time.GetUtcNow().ToUnixTimeMilliseconds():x12}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    /// <summary>
    /// Removes leftovers of writes a crash interrupted (never acknowledged, so nothing is lost) and the
    /// previous run's reusable files (after a crash a name there could still point at a queued file).
    /// Call once at start, before the spool takes messages. Returns the interrupted writes removed.
    /// </summary>
    public int ClearTemp()
    {
        int count = 0;
        foreach (string file in System.IO.Directory.EnumerateFiles(TempDirectory))
        {
            File.Delete(file);
            count++;
        }

        _free.Clear();
        foreach (string file in System.IO.Directory.EnumerateFiles(FreeDirectory))
        {
            File.Delete(file);
        }

        return count;
    }

    /// <summary>
    /// Writes envelope and content, fsyncs, renames into queue/ (or hold/) and fsyncs the folder.
    /// Only when this returns may the client hear 250.
    /// </summary>
    public async Task StoreAsync(SpoolEnvelope envelope, ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> content, bool hold = false)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        byte[] header = JsonSerializer.SerializeToUtf8Bytes(envelope, s_json);
        bool reuse = _free.TryPop(out string? temp);
        temp ??= Path.Combine(TempDirectory, envelope.Id + ".msg");
        string target = Path.Combine(hold ? HoldDirectory : QueueDirectory, envelope.Id + ".msg");
        try
        {
            await (hold ? _holdDir : _queueDir).WriteAsync(target, temp, [s_magic, header, "\n"u8.ToArray(), prefix, content], reuse).ConfigureAwait(false);
        }
        catch
        {
            TryDelete(temp); // not renamed in: never acknowledged
            throw;
        }
        if (!hold)
        {
            Queued?.Invoke();
        }
    }

    /// <summary>Ids in the queue (not held), oldest first.</summary>
    public IReadOnlyList<string> List(bool held = false)
    {
        var ids = new List<string>();
        foreach (string file in System.IO.Directory.EnumerateFiles(held ? HoldDirectory : QueueDirectory, "*.msg"))
        {
            ids.Add(Path.GetFileNameWithoutExtension(file));
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Reads a queued message: its envelope and the content (Received header included).</summary>
    public bool TryRead(string id, out SpoolEnvelope envelope, out ReadOnlyMemory<byte> content, bool held = false)
    {
        envelope = null!;
        content = default;
        string path = Path.Combine(held ? HoldDirectory : QueueDirectory, id + ".msg");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        int newline = Array.IndexOf(bytes, (byte)'\n');
        if (newline < s_magic.Length || !bytes.AsSpan().StartsWith(s_magic))
        {
            throw new InvalidDataException($"spool file {path} has no envelope line");
        }

        envelope = JsonSerializer.Deserialize<SpoolEnvelope>(bytes.AsSpan(s_magic.Length, newline - s_magic.Length), s_json)
            ?? throw new InvalidDataException($"spool file {path} has an empty envelope");
        if (!string.Equals(envelope.Id, id, StringComparison.Ordinal))
        {
            // A name that a crash left pointing at a recycled file that now holds another message
            // (the rename of the delivered one never reached the disk): set aside, never delivered
            // under this id. The other message is queued under its own name.
            File.Move(path, Path.ChangeExtension(path, ".stale"), overwrite: true);
            throw new InvalidDataException($"spool file {path} holds message {envelope.Id}; set aside as {id}.stale");
        }

        content = bytes.AsMemory(newline + 1);
        return true;
    }

    /// <summary>The delivery state, or a fresh one (due now) when none was written.</summary>
    public SpoolState ReadState(string id)
    {
        string path = Path.Combine(QueueDirectory, id + ".state");
        if (!File.Exists(path))
        {
            return new SpoolState(); // the usual case (a new message): no exception on the hot path
        }

        try
        {
            return JsonSerializer.Deserialize<SpoolState>(File.ReadAllBytes(path), s_json) ?? new SpoolState();
        }
        catch (FileNotFoundException)
        {
            return new SpoolState();
        }
        catch (JsonException)
        {
            return new SpoolState(); // a torn state file cannot happen (atomic rename); if it does, retry everything.
        }
    }

    /// <summary>Replaces the delivery state atomically.</summary>
    public Task WriteStateAsync(string id, SpoolState state) =>
        _queueDir.WriteAsync(Path.Combine(QueueDirectory, id + ".state"), Path.Combine(TempDirectory, id + ".state"),
            [JsonSerializer.SerializeToUtf8Bytes(state, s_json)]);

    /// <summary>Removes a message and its state (after the last recipient is done, or by an operator).</summary>
    public bool Delete(string id, bool held = false)
    {
        string dir = held ? HoldDirectory : QueueDirectory;
        string msg = Path.Combine(dir, id + ".msg");
        bool existed = File.Exists(msg);
        File.Delete(Path.Combine(dir, id + ".state"));
        if (existed && _free.Count < MaxFreeFiles)
        {
            // Kept for the next message (no fsync needed: after a crash free/ is cleared, and a rename
            // that did not reach the disk leaves a delivered message queued: delivered again, never lost).
            string free = Path.Combine(FreeDirectory, _freePrefix + Interlocked.Increment(ref _freeNames).ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            try
            {
                File.Move(msg, free);
                _free.Push(free);
                return true;
            }
            catch (FileNotFoundException)
            {
                return false; // removed meanwhile (an operator's queue delete)
            }
        }

        File.Delete(msg);
        return existed;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Left for the next start's clean-up.
        }
    }

    /// <summary>
    /// Releases a held message into the queue (<c>relaywarden queue release</c>): an atomic rename within
    /// the spool, then a flush request so a running relay delivers it on its next scan. False when no
    /// message with that id is held.
    /// </summary>
    public bool Release(string id)
    {
        string held = Path.Combine(HoldDirectory, id + ".msg");
        if (!File.Exists(held))
        {
            return false;
        }

        File.Move(held, Path.Combine(QueueDirectory, id + ".msg"));
        DurableFile.SyncDirectory(QueueDirectory); // the released message stays queued across a crash
        DurableFile.SyncDirectory(HoldDirectory);
        File.WriteAllText(Path.Combine(Root, "flush"), string.Empty);
        Queued?.Invoke();
        return true;
    }

    /// <summary>Makes every queued message due now (<c>relaywarden queue flush</c>); a running relay sees it on its next scan.</summary>
    public async Task<int> FlushAsync()
    {
        int count = 0;
        foreach (string id in List())
        {
            var state = ReadState(id);
            await WriteStateAsync(id, state with { NextAttempt = DateTimeOffset.MinValue }).ConfigureAwait(false);
            count++;
        }

        File.WriteAllText(Path.Combine(Root, "flush"), string.Empty);
        return count;
    }

    /// <summary>True (once) when an operator asked for a flush.</summary>
    public bool TakeFlushRequest()
    {
        string path = Path.Combine(Root, "flush");
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>A line of printable text for an envelope field.</summary>
    public static string Describe(SpoolEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var text = new StringBuilder();
        text.Append('<').Append(envelope.MailFrom).Append("> -> ").AppendJoin(", ", envelope.Recipients);
        return text.ToString();
    }
}
