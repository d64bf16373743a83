using Microsoft.AspNetCore.Http.HttpResults;

namespace Ticketing.Api.Infrastructure;

/// <summary>
/// Builds RFC 9457 problem responses that always carry a stable <c>code</c> (see <see cref="ErrorCodes"/>);
/// the ProblemDetails service adds <c>traceId</c>.
/// </summary>
public static class ApiProblems
{
    /// <summary>Name of the extension member that carries the machine code.</summary>
    public const string CodeKey = "code";

    /// <summary>A problem response with <paramref name="status"/>, a stable <paramref name="code"/> and a human title.</summary>
    public static ProblemHttpResult Problem(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(
            title: title,
            detail: detail,
            statusCode: status,
            extensions: new Dictionary<string, object?> { [CodeKey] = code });

    /// <summary>400 with <paramref name="code"/>.</summary>
    public static ProblemHttpResult BadRequest(string code, string title, string? detail = null) => Problem(StatusCodes.Status400BadRequest, code, title, detail);

    /// <summary>404 with <paramref name="code"/>.</summary>
    public static ProblemHttpResult NotFound(string code, string title, string? detail = null) => Problem(StatusCodes.Status404NotFound, code, title, detail);

    /// <summary>409 with <paramref name="code"/>.</summary>
    public static ProblemHttpResult Conflict(string code, string title, string? detail = null) => Problem(StatusCodes.Status409Conflict, code, title, detail);

    /// <summary>
    /// 429 <c>RATE_LIMITED</c>, with <c>Retry-After</c> set on <paramref name="http"/>'s response to <paramref name="wait"/> rounded up
    /// to whole seconds, at least 1 (RFC 9110 §10.2.3); <paramref name="detail"/> gets those seconds.
    /// </summary>
    public static ProblemHttpResult RateLimited(HttpContext http, TimeSpan wait, string title, Func<int, string> detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, title, detail(seconds));
    }

    /// <summary>
    /// The code a bare status gets when nothing more specific set one (framework 401s, unmatched routes,
    /// bodies that fail to bind).
    /// </summary>
    public static string DefaultCode(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ErrorCodes.InvalidRequest,
        StatusCodes.Status401Unauthorized => ErrorCodes.Unauthorized,
        StatusCodes.Status403Forbidden => ErrorCodes.Forbidden,
        StatusCodes.Status404NotFound => ErrorCodes.NotFound,
        StatusCodes.Status405MethodNotAllowed => ErrorCodes.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ErrorCodes.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ErrorCodes.UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => ErrorCodes.RateLimited,
        StatusCodes.Status503ServiceUnavailable => ErrorCodes.ServiceUnavailable,
        _ when status >= 500 => ErrorCodes.InternalError,
        _ => ErrorCodes.InvalidRequest,
    };
}
