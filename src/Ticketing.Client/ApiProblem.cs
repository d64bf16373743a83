using System.Text.Json;
using Refit;

namespace Ticketing.Client;

/// <summary>
/// The Api's RFC 9457 problem (<c>application/problem+json</c>), reduced to what a caller acts on. The Api puts a stable
/// <c>code</c> (<see cref="ApiContract.ErrorCodes"/>) on every 4xx/5xx (API.md "Errors").
/// </summary>
/// <param name="Status">The HTTP status, 400–599: the body's <c>status</c> member when present, else the response's.
/// 503 when the Api could not be reached.</param>
/// <param name="Code">The machine code, e.g. <c>SEAT_UNAVAILABLE</c>; <c>SERVICE_UNAVAILABLE</c> when the Api could not be reached;
/// <c>INTERNAL_ERROR</c> (5xx) or <c>INVALID_REQUEST</c> (4xx) when the body carries none.</param>
/// <param name="Title">The problem's <c>title</c>, in English for developers (show <see cref="Code"/>-based words to people).</param>
/// <param name="Detail">The problem's <c>detail</c>, if any; for an unreachable Api, the transport error's message.</param>
public sealed record ApiProblem(int Status, string Code, string? Title, string? Detail);

/// <summary>Reads the <see cref="ApiProblem"/> off a Refit response of <see cref="ITicketingApi"/>.</summary>
public static class ApiProblemExtensions
{
    /// <summary>
    /// The problem of a failed <paramref name="response"/>, or null when it succeeded. Never throws: an unreachable Api
    /// (connection refused, name not resolved, timeout) and a 2xx whose body could not be read both become 503
    /// <c>SERVICE_UNAVAILABLE</c>, the same answer the Api gives when its own dependencies are down.
    /// </summary>
    public static ApiProblem? Problem(this IApiResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessful)
        {
            return null;
        }

        if (!response.IsReceived || response.IsSuccessStatusCode)
        {
            return Unavailable(response.Error?.InnerException?.Message ?? response.Error?.Message);
        }

        var status = (int)response.StatusCode;
        var fallbackCode = status >= 500 ? ApiContract.ErrorCodes.InternalError : ApiContract.ErrorCodes.InvalidRequest;
        if (response.Error is not ApiException { Content: { Length: > 0 } content })
        {
            return new ApiProblem(status, fallbackCode, response.ReasonPhrase, null);
        }

        try
        {
            using var json = JsonDocument.Parse(content);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new ApiProblem(status, fallbackCode, response.ReasonPhrase, null);
            }

            var root = json.RootElement;
            return new ApiProblem(
                root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out var bodyStatus) ? bodyStatus : status,
                String(root, "code") ?? fallbackCode,
                String(root, "title"),
                String(root, "detail"));
        }
        catch (JsonException)
        {
            return new ApiProblem(status, fallbackCode, response.ReasonPhrase, null);
        }
    }

    private static ApiProblem Unavailable(string? reason) =>
        new(503, ApiContract.ErrorCodes.ServiceUnavailable, "The Api is unavailable", reason);

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
