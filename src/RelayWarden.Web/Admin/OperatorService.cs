using RelayWarden.Core.Control;
using RelayWarden.Core.Directory;
using RelayWarden.Hosting.Control;

namespace RelayWarden.Web.Admin;

/// <summary>
/// Console operators for pages and API: list, add (with a password), change role, disable or enable,
/// reset a password. A change that would leave no enabled admin is refused, so the console can never
/// lock its operators out.
/// </summary>
internal static class OperatorService
{
    /// <summary>Shortest operator password accepted (as <c>relaywarden user add</c>).</summary>
    public const int MinPasswordLength = 10;

    public static IReadOnlyList<OperatorView> List(ConsoleContext console) => [.. console.Store.Operators().Select(View)];

    public static AdminResult<OperatorView> Add(ConsoleContext console, string? name, string? role, string? password, string by)
    {
        name = (name ?? string.Empty).Trim();
        if (!IsValidName(name))
        {
            return AdminResult<OperatorView>.Refused(AdminFailure.Invalid, $"bad name '{name}': use 1-64 letters, digits, '.', '_', '-' or '@'");
        }

        if (ParseRole(role) is not { } chosen)
        {
            return AdminResult<OperatorView>.Refused(AdminFailure.Invalid, "role must be admin or analyst");
        }

        if (password is null || password.Length < MinPasswordLength)
        {
            return AdminResult<OperatorView>.Refused(AdminFailure.Invalid, $"the password must have at least {MinPasswordLength} characters");
        }

        var account = new Operator(name, chosen, console.Now, false);
        if (!console.Store.AddOperator(account, PasswordHash.Hash(password), by, null))
        {
            return AdminResult<OperatorView>.Refused(AdminFailure.Conflict, $"operator '{name}' exists already");
        }

        return AdminResult<OperatorView>.Success(View(account));
    }

    /// <summary>Changes what is given (null keeps it): role, disabled, password.</summary>
    public static AdminResult<OperatorView> Change(ConsoleContext console, string name, string? role, bool? disabled, string? password, string? reason, string by)
    {
        if (console.Store.FindOperator(name ?? string.Empty) is not { } found)
        {
            return AdminResult<OperatorView>.Refused(AdminFailure.NotFound, $"no operator '{name}'");
        }

        var newRole = found.Role;
        if (role is not null)
        {
            if (ParseRole(role) is not { } parsed)
            {
                return AdminResult<OperatorView>.Refused(AdminFailure.Invalid, "role must be admin or analyst");
            }

            newRole = parsed;
        }

        if (password is not null && password.Length < MinPasswordLength)
        {
            return AdminResult<OperatorView>.Refused(AdminFailure.Invalid, $"the password must have at least {MinPasswordLength} characters");
        }

        bool newDisabled = disabled ?? found.Disabled;
        bool stillAdmin = newRole == OperatorRole.Admin && !newDisabled;
        if (found.Role == OperatorRole.Admin && !found.Disabled && !stillAdmin &&
            !console.Store.Operators().Any(o => o.Name != found.Name && o.Role == OperatorRole.Admin && !o.Disabled))
        {
            return AdminResult<OperatorView>.Refused(AdminFailure.Conflict, $"'{found.Name}' is the last enabled admin");
        }

        string? hash = password is null ? null : PasswordHash.Hash(password);
        if (!console.Store.UpdateOperator(found.Name, newRole, newDisabled, hash, by, console.Now, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()))
        {
            return AdminResult<OperatorView>.Refused(AdminFailure.NotFound, $"no operator '{name}'");
        }

        return AdminResult<OperatorView>.Success(View(console.Store.FindOperator(found.Name)!));
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');

    private static OperatorRole? ParseRole(string? role) => role switch
    {
        "admin" => OperatorRole.Admin,
        "analyst" => OperatorRole.Analyst,
        _ => null,
    };

    private static OperatorView View(Operator account) =>
        new(account.Name, account.Role == OperatorRole.Admin ? "admin" : "analyst", account.CreatedAt, account.Disabled);
}

/// <summary>A console operator (never the password hash).</summary>
internal sealed record OperatorView(string Name, string Role, DateTimeOffset CreatedAt, bool Disabled);
