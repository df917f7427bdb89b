namespace RelayWarden.TestSupport;

/// <summary>A thread-safe in-memory log for hosts that write from several sessions at once.</summary>
public sealed class ConcurrentStringWriter : StringWriter
{
    private readonly Lock _lock = new();

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return ToString();
            }
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_lock)
        {
            base.WriteLine(value);
        }
    }

    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
}
