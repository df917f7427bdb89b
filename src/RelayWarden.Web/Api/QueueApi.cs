using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RelayWarden.Web.Alerts;
using RelayWarden.Web.Auth;

namespace RelayWarden.Web.Api;

/// <summary>The spool: list queued or held messages (every operator); release a held one, delete one (admins, audited).</summary>
internal static class QueueApi
{
    public static void Map(RouteGroupBuilder api)
    {
        var queue = api.MapGroup("/queue").WithTags("queue");
        queue.MapGet("/", (bool? held, string? account, int? limit, ConsoleContext console) =>
        {
            if (limit is < 1 or > 10_000)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "limit must be 1-10000");
            }

            return Results.Ok(AlertOperations.Queue(console, held ?? false, string.IsNullOrEmpty(account) ? null : account, limit ?? 1000));
        }).WithName("ListQueue").WithSummary("Messages in the spool, oldest first: queued (default) or held=true; optionally of one account.");

        queue.MapPost("/{id}/release", async (string id, HttpContext http, ConsoleContext console) => await AlertsApi.WithReasonAsync(http, reason =>
        {
            if (!AlertOperations.IsQueueId(id))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"'{id}' is not a queue id");
            }

            return AlertOperations.Release(console, id, ConsoleContext.Who(http.User), reason)
                ? Results.NoContent()
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"no held message {id}");
        }).ConfigureAwait(false)).RequireAuthorization(ConsoleClaims.AdminPolicy)
            .WithName("ReleaseMessage").WithSummary("Release a held message for delivery.").WithDescription(AlertsApi.ReasonBody);

        queue.MapDelete("/{id}", (string id, string? reason, HttpContext http, ConsoleContext console) =>
        {
            if (!AlertOperations.IsQueueId(id))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"'{id}' is not a queue id");
            }

            return AlertOperations.Delete(console, id, ConsoleContext.Who(http.User), reason)
                ? Results.NoContent()
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"no message {id}");
        }).RequireAuthorization(ConsoleClaims.AdminPolicy)
            .WithName("DeleteMessage").WithSummary("Delete a message (held or queued) without delivering it.");
    }
}
