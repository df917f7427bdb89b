namespace RelayWarden.Core.Directory;

/// <summary>A problem found while building a directory, with its place (for example <c>tenants[acme].domains[1]</c>).</summary>
public sealed record DirectoryError(string Place, string Message)
{
    public override string ToString() => $"{Place}: {Message}";
}
