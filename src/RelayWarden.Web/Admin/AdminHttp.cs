using Microsoft.AspNetCore.Http;
using RelayWarden.Hosting.Control;

namespace RelayWarden.Web.Admin;

/// <summary>An operator change's refusal as HTTP: 400 bad input, 404 unknown, 409 conflict; the message is the problem's title.</summary>
internal static class AdminHttp
{
    public static IResult Refusal<T>(AdminResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Results.Problem(statusCode: Status(result.Failure), title: result.Error);
    }

    /// <summary>The HTTP status of a refusal (pages answer with it too, above the form and its error).</summary>
    public static int Status(AdminFailure failure) => failure switch
    {
        AdminFailure.NotFound => StatusCodes.Status404NotFound,
        AdminFailure.Conflict => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };

    public static IResult Ok<T>(AdminResult<T> result) => result.Ok ? Results.Ok(result.Value) : Refusal(result);

    public static IResult Created<T>(AdminResult<T> result, Func<T, string> location) =>
        result.Ok ? Results.Created(location(result.Value!), result.Value) : Refusal(result);
}
