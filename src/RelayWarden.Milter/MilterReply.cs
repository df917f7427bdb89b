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
        byte[] packet = new byte[5 + Data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + Data.Length));
        packet[4] = Command;
        Data.CopyTo(packet, 5);
        return packet;
    }
}
