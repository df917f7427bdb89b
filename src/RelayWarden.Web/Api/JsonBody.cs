using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace RelayWarden.Web.Api;

/// <summary>
/// Reads an optional JSON body by hand: a POST without a body (or without a Content-Type) is a request
/// with no fields, not an unknown route, which is what a bound body parameter would make of it.
/// </summary>
internal static class JsonBody
{
    /// <summary>The body as <typeparamref name="T"/>, null when there is none; an error result for a non-JSON or malformed body.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request) where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength == 0 || (request.ContentLength is null && string.IsNullOrEmpty(request.ContentType) && !request.Headers.TransferEncoding.Any()))
        {
            return (null, null);
        }

        if (!request.HasJsonContentType())
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "send a JSON body (Content-Type: application/json)"));
        }

        try
        {
            var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            return (await JsonSerializer.DeserializeAsync<T>(request.Body, options, request.HttpContext.RequestAborted).ConfigureAwait(false), null);
        }
        catch (JsonException exception)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "malformed JSON body", detail: exception.Message));
        }
    }
}
