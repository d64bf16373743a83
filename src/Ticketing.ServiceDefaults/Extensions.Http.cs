using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Microsoft.Extensions.Hosting;

public static partial class Extensions
{
    /// <summary>The request header that makes a POST safe to repeat (shared/API.md "Idempotency").</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// Service discovery for every <c>IHttpClientFactory</c> client (Microsoft.Extensions.ServiceDiscovery: a base address
    /// <c>http://api</c> resolves from the configuration key <c>services:api:http:0</c>) and the standard resilience handler
    /// (Microsoft.Extensions.Http.Resilience defaults: 3 retries with exponential back-off and jitter on 408, 429, 5xx and
    /// transport errors, 10 s per attempt, 30 s in all, a circuit breaker). Retries are limited to requests that are safe
    /// to repeat: safe methods (RFC 9110 §9.2.1: GET, HEAD, OPTIONS, TRACE) and requests that carry an
    /// <see cref="IdempotencyKeyHeader"/>, whose repeat the Api answers with the first response instead of a second effect.
    /// </summary>
    public static TBuilder ConfigureHttpClientDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler(options =>
            {
                var shouldHandle = options.Retry.ShouldHandle;
                options.Retry.ShouldHandle = async args =>
                    IsSafeToRetry(args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage()) && await shouldHandle(args);
            });
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>True for a request that may be sent again after a failure: a safe method, or one with an idempotency key.</summary>
    public static bool IsSafeToRetry(HttpRequestMessage? request) =>
        request is not null
        && (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Options || request.Method == HttpMethod.Trace
            || request.Headers.Contains(IdempotencyKeyHeader));
}
