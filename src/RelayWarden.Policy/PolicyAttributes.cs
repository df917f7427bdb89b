namespace RelayWarden.Policy;

/// <summary>The request attributes RelayWarden reads (SMTPD_POLICY_README); the names are interned once.</summary>
public static class PolicyAttributes
{
    public const string Request = "request";
    public const string ProtocolState = "protocol_state";
    public const string ProtocolName = "protocol_name";
    public const string HeloName = "helo_name";
    public const string QueueId = "queue_id";
    public const string Sender = "sender";
    public const string Recipient = "recipient";
    public const string RecipientCount = "recipient_count";
    public const string ClientAddress = "client_address";
    public const string ClientName = "client_name";
    public const string SaslUsername = "sasl_username";
    public const string SaslMethod = "sasl_method";
    public const string Size = "size";
    public const string Instance = "instance";
    public const string EncryptionProtocol = "encryption_protocol";

    /// <summary>The interned string for a value every request carries in a few forms (request type, stages, protocols), else null.</summary>
    internal static string? CommonValue(ReadOnlySpan<byte> value) => value.Length switch
    {
        4 when value.SequenceEqual("RCPT"u8) => "RCPT",
        4 when value.SequenceEqual("DATA"u8) => "DATA",
        4 when value.SequenceEqual("SMTP"u8) => "SMTP",
        5 when value.SequenceEqual("ESMTP"u8) => "ESMTP",
        5 when value.SequenceEqual("PLAIN"u8) => "PLAIN",
        5 when value.SequenceEqual("LOGIN"u8) => "LOGIN",
        14 when value.SequenceEqual("END-OF-MESSAGE"u8) => "END-OF-MESSAGE",
        19 when value.SequenceEqual("smtpd_access_policy"u8) => "smtpd_access_policy",
        _ => null,
    };

    /// <summary>The interned name for <paramref name="name"/>, or null when RelayWarden does not use it.</summary>
    internal static string? Lookup(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when name.SequenceEqual("size"u8) => Size,
        6 when name.SequenceEqual("sender"u8) => Sender,
        7 when name.SequenceEqual("request"u8) => Request,
        8 when name.SequenceEqual("queue_id"u8) => QueueId,
        8 when name.SequenceEqual("instance"u8) => Instance,
        9 when name.SequenceEqual("helo_name"u8) => HeloName,
        9 when name.SequenceEqual("recipient"u8) => Recipient,
        11 when name.SequenceEqual("client_name"u8) => ClientName,
        11 when name.SequenceEqual("sasl_method"u8) => SaslMethod,
        13 when name.SequenceEqual("protocol_name"u8) => ProtocolName,
        13 when name.SequenceEqual("sasl_username"u8) => SaslUsername,
        14 when name.SequenceEqual("protocol_state"u8) => ProtocolState,
        14 when name.SequenceEqual("client_address"u8) => ClientAddress,
        15 when name.SequenceEqual("recipient_count"u8) => RecipientCount,
        19 when name.SequenceEqual("encryption_protocol"u8) => EncryptionProtocol,
        _ => null,
    };
}
