using System.Text;
using RelayWarden.Smtp.Spool;
using Xunit;

namespace RelayWarden.Smtp.Tests.Server;

/// <summary>The spool keeps finished files and writes new messages over them (no inode per message).</summary>
public sealed class SpoolRecyclingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "rw-spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static SpoolEnvelope Envelope(string id) => new()
    {
        Id = id,
        MailFrom = "alice@acme.example",
        Recipients = ["bob@customer.example"],
        Received = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public async Task A_delivered_file_is_reused_and_a_shorter_message_leaves_nothing_of_the_longer_one()
    {
        var spool = new MessageSpool(_root, TimeProvider.System);
        spool.ClearTemp();
        byte[] longContent = Encoding.ASCII.GetBytes("Subject: long\r\n\r\n" + new string('L', 20_000) + "\r\n");
        await spool.StoreAsync(Envelope("first"), ReadOnlyMemory<byte>.Empty, longContent);
        Assert.True(spool.Delete("first"));
        Assert.Equal(1, spool.FreeFiles);
        string free = Assert.Single(Directory.GetFiles(spool.FreeDirectory));
        long inode = Inode(free);

        byte[] shortContent = Encoding.ASCII.GetBytes("Subject: short\r\n\r\nhello\r\n");
        await spool.StoreAsync(Envelope("second"), ReadOnlyMemory<byte>.Empty, shortContent);

        Assert.Equal(0, spool.FreeFiles);
        Assert.Empty(Directory.GetFiles(spool.FreeDirectory));
        string queued = Path.Combine(spool.QueueDirectory, "second.msg");
        Assert.Equal(inode, Inode(queued));
        Assert.True(spool.TryRead("second", out var envelope, out var content));
        Assert.Equal("second", envelope.Id);
        Assert.Equal(shortContent, content.ToArray());
        Assert.DoesNotContain((byte)'L', File.ReadAllBytes(queued));
    }

    [Fact]
    public async Task Start_clears_the_previous_runs_free_files_and_a_new_message_gets_a_new_file()
    {
        var spool = new MessageSpool(_root, TimeProvider.System);
        spool.ClearTemp();
        await spool.StoreAsync(Envelope("one"), ReadOnlyMemory<byte>.Empty, "Subject: x\r\n\r\nx\r\n"u8.ToArray());
        spool.Delete("one");
        Assert.Single(Directory.GetFiles(spool.FreeDirectory));

        var restarted = new MessageSpool(_root, TimeProvider.System);
        restarted.ClearTemp();
        Assert.Empty(Directory.GetFiles(restarted.FreeDirectory));
        Assert.Equal(0, restarted.FreeFiles);
        await restarted.StoreAsync(Envelope("two"), ReadOnlyMemory<byte>.Empty, "Subject: y\r\n\r\ny\r\n"u8.ToArray());
        Assert.True(restarted.TryRead("two", out _, out var content));
        Assert.Equal("Subject: y\r\n\r\ny\r\n"u8.ToArray(), content.ToArray());
        Assert.Equal(["two"], restarted.List());
    }

    [Fact]
    public async Task Concurrent_writers_never_share_a_recycled_file()
    {
        var spool = new MessageSpool(_root, TimeProvider.System);
        spool.ClearTemp();
        for (int i = 0; i < 16; i++)
        {
            await spool.StoreAsync(Envelope($"old{i:00}"), ReadOnlyMemory<byte>.Empty, Encoding.ASCII.GetBytes($"Subject: old {i}\r\n\r\n" + new string('o', 3000 + i)));
        }

        for (int i = 0; i < 16; i++)
        {
            spool.Delete($"old{i:00}");
        }

        Assert.Equal(16, spool.FreeFiles);
        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() =>
            spool.StoreAsync(Envelope($"new{i:00}"), ReadOnlyMemory<byte>.Empty, Encoding.ASCII.GetBytes($"Subject: new {i}\r\n\r\nbody {i}\r\n")))));

        Assert.Equal(32, spool.List().Count);
        for (int i = 0; i < 32; i++)
        {
            Assert.True(spool.TryRead($"new{i:00}", out var envelope, out var content));
            Assert.Equal($"new{i:00}", envelope.Id);
            Assert.Equal($"Subject: new {i}\r\n\r\nbody {i}\r\n", Encoding.ASCII.GetString(content.Span));
        }
    }

    [Fact]
    public void A_batch_is_flushed_side_by_side_and_one_failed_flush_fails_the_batch_without_losing_the_others()
    {
        Directory.CreateDirectory(_root);
        var workers = new FlushWorkers(3);
        var streams = Enumerable.Range(0, 6).Select(i =>
        {
            var stream = new FileStream(Path.Combine(_root, $"f{i}"), FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
            stream.Write(Encoding.ASCII.GetBytes($"file {i}"));
            return stream;
        }).ToList();
        try
        {
            workers.FlushAll([.. streams.Select(s => s.SafeFileHandle)]);

            streams[3].Dispose(); // a handle that can no longer be flushed
            var error = Assert.Throws<IOException>(() => workers.FlushAll([.. streams.Select(s => s.SafeFileHandle)]));
            Assert.IsType<ObjectDisposedException>(error.InnerException);

            // The workers are still there for the next batch.
            workers.FlushAll([streams[0].SafeFileHandle, streams[1].SafeFileHandle, streams[2].SafeFileHandle]);
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
        }

        Assert.Equal("file 5", File.ReadAllText(Path.Combine(_root, "f5")));
    }

    // The file's inode number, from stat(1).
    [Fact]
    public async Task A_name_left_pointing_at_another_message_is_set_aside_not_delivered_under_that_id()
    {
        var spool = new MessageSpool(_root, TimeProvider.System);
        spool.ClearTemp();
        await spool.StoreAsync(Envelope("current"), ReadOnlyMemory<byte>.Empty, "Subject: c\r\n\r\nc\r\n"u8.ToArray());
        // What a lost rename can leave: the delivered message's name still there, holding the new message.
        File.Copy(Path.Combine(spool.QueueDirectory, "current.msg"), Path.Combine(spool.QueueDirectory, "delivered.msg"));

        var error = Assert.Throws<InvalidDataException>(() => spool.TryRead("delivered", out _, out _));
        Assert.Contains("current", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(spool.QueueDirectory, "delivered.stale")));
        Assert.Equal(["current"], spool.List());
        Assert.True(spool.TryRead("current", out var envelope, out _));
        Assert.Equal("current", envelope.Id);
    }

    private static long Inode(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        string output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return long.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
