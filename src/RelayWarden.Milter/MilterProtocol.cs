namespace RelayWarden.Milter;

/// <summary>
/// Sendmail milter protocol wire constants (version 6, as Postfix's milter8.c and libmilter's
/// mfdef.h name them). A packet is a 32-bit big-endian length, one command byte, then data.
/// </summary>
public static class MilterProtocol
{
    /// <summary>The protocol version we speak.</summary>
    public const uint Version = 6;

    // Commands from the MTA (SMFIC_*).
    public const byte Abort = (byte)'A';       // SMFIC_ABORT: forget the current message
    public const byte Body = (byte)'B';        // SMFIC_BODY: a body chunk
    public const byte Connect = (byte)'C';     // SMFIC_CONNECT: hostname, family, port, address
    public const byte Macro = (byte)'D';       // SMFIC_MACRO: stage + name/value pairs, no reply
    public const byte EndOfBody = (byte)'E';   // SMFIC_BODYEOB: end of message, final decision
    public const byte Helo = (byte)'H';        // SMFIC_HELO
    public const byte QuitNewConnection = (byte)'K'; // SMFIC_QUIT_NC: the connection is reused for another SMTP session
    public const byte Header = (byte)'L';      // SMFIC_HEADER: name NUL value NUL
    public const byte Mail = (byte)'M';        // SMFIC_MAIL: MAIL FROM arguments
    public const byte EndOfHeaders = (byte)'N'; // SMFIC_EOH
    public const byte OptionNegotiation = (byte)'O'; // SMFIC_OPTNEG
    public const byte Quit = (byte)'Q';        // SMFIC_QUIT
    public const byte Rcpt = (byte)'R';        // SMFIC_RCPT: RCPT TO arguments
    public const byte Data = (byte)'T';        // SMFIC_DATA
    public const byte Unknown = (byte)'U';     // SMFIC_UNKNOWN: an SMTP command the MTA does not know

    // Replies to the MTA (SMFIR_*).
    public const byte ReplyAccept = (byte)'a';     // SMFIR_ACCEPT: accept the message, no more events
    public const byte ReplyAddHeader = (byte)'h';  // SMFIR_ADDHEADER: name NUL value NUL (end of message only)
    public const byte ReplyContinue = (byte)'c';   // SMFIR_CONTINUE
    public const byte ReplyQuarantine = (byte)'q'; // SMFIR_QUARANTINE: put the message on hold (reason NUL)
    public const byte ReplyReject = (byte)'r';     // SMFIR_REJECT
    public const byte ReplyTempfail = (byte)'t';   // SMFIR_TEMPFAIL
    public const byte ReplyCode = (byte)'y';       // SMFIR_REPLYCODE: "550 5.7.1 text" NUL

    // Actions we may take (SMFIF_*).
    public const uint ActionAddHeaders = 0x01;     // SMFIF_ADDHDRS: the monitor header (policy.monitor_header)
    public const uint ActionQuarantine = 0x20;     // SMFIF_QUARANTINE

    /// <summary>SMFIF_SETSYMLIST: the MTA accepts macro lists after the negotiation reply (version 6).</summary>
    public const uint ActionSetSymbolList = 0x100;

    // Protocol steps we skip (SMFIP_*). Events that never change our answer (connect, each header)
    // are negotiated "no reply" to save round trips; the server re-arms TCP quick-ACK before every
    // read, so the MTA's next packet never waits on our delayed ACK.
    public const uint NoConnect = 0x01;            // SMFIP_NOCONNECT: {client_addr} comes with the MAIL macros instead
    public const uint NoHelo = 0x02;               // SMFIP_NOHELO
    public const uint NoBody = 0x10;               // SMFIP_NOBODY: the body is not needed
    public const uint NoUnknown = 0x100;           // SMFIP_NOUNKNOWN
    public const uint NoData = 0x200;              // SMFIP_NODATA
    public const uint NoReplyHeader = 0x80;        // SMFIP_NR_HDR: header events get no reply
    public const uint NoReplyConnect = 0x1000;     // SMFIP_NR_CONN: the connect event gets no reply
    public const uint NoReplyMail = 0x4000;        // SMFIP_NR_MAIL: MAIL gets no reply; a refusal of the sender is the answer to each RCPT
    public const uint HeaderLeadingSpace = 0x100000; // SMFIP_HDR_LEADSPC: header values with their leading space, as written

    /// <summary>
    /// The macros asked for at each stage (SMFIM_CONNECT 0 … SMFIM_EOH 6), sent after the negotiation
    /// reply when the MTA offers SMFIF_SETSYMLIST. Postfix sends its configured lists (about 25 macros
    /// a message) for a stage whose list is empty, so every stage names one: <c>i</c> (the queue id,
    /// omitted while unknown).
    /// </summary>
    public static IReadOnlyList<(uint Stage, string Names)> MacroLists { get; } =
    [
        (0, "{client_addr}"), // SMFIM_CONNECT
        (1, "i"),             // SMFIM_HELO
        (2, "i {auth_authen} {client_addr}"), // SMFIM_ENVFROM: the SASL login decides the account; the client address (no connect event)
        (3, "i"),             // SMFIM_ENVRCPT
        (4, "i"),             // SMFIM_DATA
        (5, "i"),             // SMFIM_EOM
        (6, "i"),             // SMFIM_EOH
    ];

    /// <summary>Macro names we read.</summary>
    public const string MacroAuthAuthen = "{auth_authen}";
    public const string MacroQueueId = "i";
    public const string MacroClientAddr = "{client_addr}";
}
