namespace RelayWarden.Core.Control;

/// <summary>What an operator of the console may do: <see cref="Admin"/> acts, <see cref="Analyst"/> reads.</summary>
public enum OperatorRole
{
    /// <summary>Read-only: dashboards, alerts, records, reports.</summary>
    Analyst,

    /// <summary>May act: suspend, release, dismiss, change the directory, manage operators.</summary>
    Admin,
}

/// <summary>A person who signs in to the console.</summary>
public sealed record Operator(string Name, OperatorRole Role, DateTimeOffset CreatedAt, bool Disabled);

/// <summary>An API token for scripts: only its SHA-256 is stored; the token itself is shown once.</summary>
public sealed record ApiToken(long Id, string Name, OperatorRole Role, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, bool Revoked);

/// <summary>
/// The console's own state (in <c>data_dir/control.db</c>, beside the control store): operator accounts
/// with salted password hashes, API tokens, and an audit writer for console actions that change no
/// control state themselves (sign-ins, alert dismissals, held mail released or deleted). Every change
/// is written to the same audit trail as the control store's, with who, when, what and why.
/// </summary>
public interface IConsoleStore : IDisposable
{
    IReadOnlyList<Operator> Operators();

    Operator? FindOperator(string name);

    /// <summary>The stored password hash (PHC string), or null for an unknown operator.</summary>
    string? PasswordHashOf(string name);

    /// <summary>Creates an operator; false when the name is taken.</summary>
    bool AddOperator(Operator account, string passwordHash, string by, string? why);

    /// <summary>Changes role, disabled flag and (when not null) the password hash; false for an unknown operator.</summary>
    bool UpdateOperator(string name, OperatorRole role, bool disabled, string? passwordHash, string by, DateTimeOffset at, string? why);

    /// <summary>Stores a new token under its SHA-256 (<paramref name="tokenHash"/>, lower-case hex); returns it.</summary>
    ApiToken AddToken(string name, OperatorRole role, string tokenHash, string by, DateTimeOffset at);

    /// <summary>The live token with this hash (not revoked), or null; records the use.</summary>
    ApiToken? UseToken(string tokenHash, DateTimeOffset at);

    IReadOnlyList<ApiToken> Tokens();

    /// <summary>Revokes a token; false when there was none (or it was revoked already).</summary>
    bool RevokeToken(long id, string by, DateTimeOffset at, string? why);

    /// <summary>Appends one entry to the audit trail.</summary>
    void Audit(DateTimeOffset at, string by, string action, string subject, string? why);
}
