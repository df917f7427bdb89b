namespace RelayWarden.Hosting.Control;

/// <summary>The outcome of an operator's change: the value, or why it was refused (with the kind of refusal, for an HTTP status).</summary>
public sealed record AdminResult<T>(T? Value, AdminFailure Failure, string? Error)
{
    public bool Ok => Failure == AdminFailure.None;

    public static AdminResult<T> Success(T value) => new(value, AdminFailure.None, null);

    public static AdminResult<T> Refused(AdminFailure failure, string error) => new(default, failure, error);
}
