using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Ticketing.Api.Infrastructure;

/// <summary>
/// Makes every 4xx/5xx an <c>application/problem+json</c> body with a <c>code</c> (API.md "Errors"):
/// framework errors (bad JSON, unmatched routes, 401 challenges) get <see cref="ApiProblems.DefaultCode"/>,
/// and unhandled exceptions become a 500 with <c>INTERNAL_ERROR</c> and no internals.
/// </summary>
public static class ProblemDetailsSetup
{
    /// <summary>Registers ProblemDetails customisation and the exception handler.</summary>
    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd(ApiProblems.CodeKey, ApiProblems.DefaultCode(status));
        });
        // After the default writer, which serves every request that accepts JSON: this one answers the rest (a browser's
        // Accept: text/html, say) with problem+json too, instead of a text/plain line or an empty body.
        services.AddSingleton<IProblemDetailsWriter, FallbackJsonProblemDetailsWriter>();
        services.AddExceptionHandler<ApiExceptionHandler>();
        return services;
    }

    /// <summary>
    /// The Api speaks JSON only, and API.md promises <c>application/problem+json</c> with a <c>code</c> on every 4xx/5xx, so a
    /// problem is written as JSON whatever the request's <c>Accept</c> header says (ASP.NET Core's default writer declines
    /// requests that do not accept JSON). Sets status, title and <c>traceId</c> as the default writer does, then applies
    /// <see cref="ProblemDetailsOptions.CustomizeProblemDetails"/> (the <c>code</c>).
    /// </summary>
    private sealed class FallbackJsonProblemDetailsWriter(IOptions<ProblemDetailsOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
        : IProblemDetailsWriter
    {
        public bool CanWrite(ProblemDetailsContext context) => true;

        public ValueTask WriteAsync(ProblemDetailsContext context)
        {
            var problem = context.ProblemDetails;
            problem.Status ??= context.HttpContext.Response.StatusCode;
            problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
            problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
            options.Value.CustomizeProblemDetails?.Invoke(context);
            return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json"));
        }
    }

    private sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            int status;
            string title;
            if (exception is BadHttpRequestException bad)
            {
                // Malformed JSON, wrong JSON types, missing body, oversized body: the client's fault, never a 500.
                status = bad.StatusCode;
                title = status == StatusCodes.Status413PayloadTooLarge ? "The request body is too large" : "The request is malformed";
                logger.LogInformation("Rejected a malformed request to {Path}: {Reason}", httpContext.Request.Path, bad.Message);
            }
            else if (DependencyFailures.IsUnavailable(exception))
            {
                // Postgres refusing connections (too many clients, starting up, pool exhausted) or Redis unreachable/slow: the
                // request did nothing it could not undo (effects commit in one transaction), so the honest answer is "retry".
                status = StatusCodes.Status503ServiceUnavailable;
                title = "The service is busy or a dependency is unavailable; retry shortly";
                httpContext.Response.Headers.RetryAfter = "1";
                logger.LogWarning(exception, "Dependency unavailable on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            }
            else
            {
                status = StatusCodes.Status500InternalServerError;
                title = "An unexpected error occurred";
                logger.LogError(exception, "Unhandled exception on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            }

            httpContext.Response.StatusCode = status;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails =
                {
                    Status = status,
                    Title = title,
                    Detail = exception is BadHttpRequestException ? exception.Message : null,
                    Extensions = { [ApiProblems.CodeKey] = ApiProblems.DefaultCode(status) },
                },
            });
        }
    }
}

/// <summary>Helpers for reading the request that the endpoint filters and handlers share.</summary>
public static class HttpContextExtensions
{
    /// <summary>The trace id of the current request (W3C), for logs and problem bodies.</summary>
    public static string TraceId(this HttpContext context) =>
        context.Features.Get<IHttpActivityFeature>()?.Activity.TraceId.ToString() ?? context.TraceIdentifier;
}
