using Microsoft.Win32.SafeHandles;

namespace RelayWarden.Smtp.Spool;

/// <summary>
/// A few threads that flush files (<c>fdatasync</c>) for the spool's commit threads, so the files
/// of one batch are flushed side by side: the caller takes a share itself and returns when every
/// file of its batch is on disk. Dedicated threads, not the thread pool: under load the pool's
/// queue would put the flushes behind the sessions' work.
/// </summary>
internal sealed class FlushWorkers
{
    private readonly System.Collections.Concurrent.BlockingCollection<Job> _jobs = [];

    public FlushWorkers(int threads)
    {
        for (int i = 0; i < threads; i++)
        {
            new Thread(Work) { IsBackground = true, Name = "rw-spool-flush" }.UnsafeStart();
        }
    }

    /// <summary>Flushes every file; throws the first failure after all have been tried.</summary>
    public void FlushAll(List<SafeFileHandle> files)
    {
        var batch = new Batch(files);
        for (int i = 1; i < files.Count; i++)
        {
            _jobs.Add(new Job(batch, i));
        }

        batch.Run(0);
        batch.Wait();
    }

    private void Work()
    {
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            job.Batch.Run(job.Index);
        }
    }

    private readonly record struct Job(Batch Batch, int Index);

    private sealed class Batch(List<SafeFileHandle> files)
    {
        private readonly object _gate = new();
        private int _left = files.Count;
        private Exception? _failure;

        public void Run(int index)
        {
            try
            {
                DurableFile.FlushData(files[index]);
            }
#pragma warning disable CA1031 // Handed to the batch's caller.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref _failure, exception, null);
            }
            finally
            {
                lock (_gate)
                {
                    if (--_left == 0)
                    {
                        Monitor.PulseAll(_gate);
                    }
                }
            }
        }

        public void Wait()
        {
            lock (_gate)
            {
                while (_left > 0)
                {
                    Monitor.Wait(_gate);
                }
            }

            if (_failure is { } failure)
            {
                throw new IOException(failure.Message, failure);
            }
        }
    }
}
