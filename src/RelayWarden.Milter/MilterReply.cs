using System.Buffers.Binary;
using System.Text;

namespace RelayWarden.Milter;

/// <summary>One reply packet to the MTA.</summary>
public readonly record struct MilterReply(byte Command, byte[] Data)
{
    public static MilterReply Continue { get; } = new(MilterProtocol.ReplyContinue, []);

    /// <summary>SMFIR_ACCEPT: the message is accepted as far as this milter goes; no more events for it.</summary>
    public static MilterReply Accept { get; } = new(MilterProtocol.ReplyAccept, []);

    /// <summary>SMFIR_REPLYCODE: an SMTP reply ("550 5.7.1 text") the MTA sends as is.</summary>
    public static MilterReply Code(string reply) => new(MilterProtocol.ReplyCode, NulTerminated(reply));

    /// <summary>SMFIR_QUARANTINE: hold the message (Postfix: the hold queue) with a reason.</summary>
    public static MilterReply Quarantine(string reason) => new(MilterProtocol.ReplyQuarantine, NulTerminated(reason));

    /// <summary>
    /// SMFIR_ADDHEADER: name NUL value NUL. With SMFIP_HDR_LEADSPC negotiated the value is written as it
    /// follows the colon (its leading space included); otherwise the MTA puts the space in.
    /// </summary>
    public static MilterReply AddHeader(string name, string value, bool leadingSpace) =>
        new(MilterProtocol.ReplyAddHeader, [.. NulTerminated(name), .. NulTerminated(leadingSpace ? " " + value : value)]);

    private static byte[] NulTerminated(string text)
    {
        // Milter replies are one line; '%' would be read as a format escape by some MTAs.
        string clean = text.Replace('\r', ' ').Replace('\n', ' ').Replace("%", "%%", StringComparison.Ordinal);
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(clean) + 1];
        Encoding.UTF8.GetBytes(clean, bytes);
        return bytes;
    }

    /// <summary>The framed packet: length (command + data, big-endian), command, data.</summary>
    public byte[] ToPacket()
    {
        byte[] packet = new byte[PacketLength];
        WriteTo(packet);
        return packet;
    }

    /// <summary>The length of the framed packet.</summary>
    public int PacketLength => 5 + Data.Length;

    /// <summary>Writes the framed packet at the start of <paramref name="destination"/> (at least <see cref="PacketLength"/> octets).</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(1 + Data.Length));
        destination[4] = Command;
        Data.CopyTo(destination[5..]);
    }
}
