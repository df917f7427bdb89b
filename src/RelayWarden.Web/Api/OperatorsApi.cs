using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RelayWarden.Web.Admin;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Api;

/// <summary>Console operators: anyone signed in reads the list, admins add, change role, disable or reset a password.</summary>
internal static class OperatorsApi
{
    public static void Map(RouteGroupBuilder api)
    {
        var operators = api.MapGroup("/operators").WithTags("operators");
        operators.MapGet("/", (ConsoleContext console) => OperatorService.List(console))
            .WithName("ListOperators").WithSummary("Every operator: name, role, created, disabled (never a password).");
        operators.MapPost("/", (NewOperator request, HttpContext http, ConsoleContext console) =>
            AdminHttp.Created(OperatorService.Add(console, request.Name, request.Role, request.Password, ConsoleContext.Who(http.User)), o => $"/api/operators/{o.Name}"))
            .RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("AddOperator").WithSummary("Add an operator: name, role admin|analyst, password (at least 10 characters).");
        operators.MapPatch("/{name}", (string name, OperatorChange request, HttpContext http, ConsoleContext console) =>
            AdminHttp.Ok(OperatorService.Change(console, name, request.Role, request.Disabled, request.Password, request.Reason, ConsoleContext.Who(http.User))))
            .RequireAuthorization(ConsoleClaims.AdminPolicy).WithName("ChangeOperator")
            .WithSummary("Change role, disable or enable, or reset the password (fields left out are kept); 409 when it would leave no enabled admin.");
    }
}

/// <summary>A new operator.</summary>
internal sealed record NewOperator(string? Name, string? Role, string? Password);

/// <summary>A change to an operator; null fields are kept.</summary>
internal sealed record OperatorChange(string? Role, bool? Disabled, string? Password, string? Reason);
