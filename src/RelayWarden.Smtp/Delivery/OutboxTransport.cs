using RelayWarden.Smtp.Spool;

namespace RelayWarden.Smtp.Delivery;

/// <summary>
/// The embedded default next hop (<c>outbox:DIR</c>): each relayed message becomes <c>DIR/ID.eml</c>,
/// written durably (temp file, fsync, rename), byte for byte as it would go on the wire.
/// </summary>
public sealed class OutboxTransport : IDeliveryTransport
{
    private readonly string _directory;
    private readonly DurableFile _durable;

    public OutboxTransport(string directory)
    {
        _directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, ".tmp"));
        _durable = new DurableFile(directory);
    }

    public string Name => "outbox";

    public async Task<IReadOnlyList<RecipientResult>> DeliverAsync(string id, string mailFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        string path = Path.Combine(_directory, id + ".eml");
        try
        {
            await _durable.WriteAsync(path, Path.Combine(_directory, ".tmp", id + ".eml"), [content]).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [.. recipients.Select(r => new RecipientResult(r, RecipientOutcome.Transient, $"outbox write failed: {exception.Message}", "4.3.0"))];
        }

        return [.. recipients.Select(r => new RecipientResult(r, RecipientOutcome.Delivered, $"250 2.0.0 written to {path}", "2.0.0"))];
    }
}
