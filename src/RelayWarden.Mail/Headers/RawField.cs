namespace RelayWarden.Mail.Headers;

/// <summary>Where a field's value sits in the raw header block (after the colon, folding kept, final line break excluded).</summary>
public readonly record struct RawField(int ValueStart, int ValueLength, int Line);
