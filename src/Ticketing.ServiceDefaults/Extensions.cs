using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one call every Ticketing service makes, as in .NET Aspire's ServiceDefaults template (dotnet/eShop
/// <c>Extensions.cs</c>): telemetry, health endpoints, ProblemDetails and, for services that call others over HTTP,
/// service discovery and the standard resilience pipeline. Split by concern into sibling files (telemetry, health,
/// HTTP clients). Postgres, Redis and Kafka client set-up is not here: it lives in the projects that use those servers.
/// </summary>
public static partial class Extensions
{
    /// <summary>
    /// <see cref="AddBasicServiceDefaults"/> plus service discovery (<c>http://api</c> resolves from
    /// <c>services__api__http__0</c>, Aspire's convention) and, on every <see cref="System.Net.Http.HttpClient"/> made by
    /// <c>IHttpClientFactory</c>, the standard resilience handler that retries only requests safe to repeat
    /// (<see cref="ConfigureHttpClientDefaults{TBuilder}"/>). For services that call other services (the Web).
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddBasicServiceDefaults();
        builder.ConfigureHttpClientDefaults();
        return builder;
    }

    /// <summary>
    /// Telemetry (<see cref="ConfigureOpenTelemetry"/>), the <c>/health</c> and <c>/alive</c> checks and ProblemDetails:
    /// what a service that calls no other service over HTTP needs (the Api, the QueueWorker).
    /// </summary>
    public static TBuilder AddBasicServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>Adds the liveness check that <c>/alive</c> reports; readiness checks are tagged <see cref="ReadyTag"/>.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [AliveTag]);
        return builder;
    }

    /// <summary>
    /// Reads <c>ConnectionStrings:{name}</c>, the variable Aspire's <c>WithReference</c> (and Ticketing.AppHost) sets.
    /// </summary>
    /// <exception cref="InvalidOperationException">It is missing or empty; the message names the variable to set.</exception>
    public static string GetRequiredConnectionString(this IHostApplicationBuilder builder, string name) =>
        builder.Configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"ConnectionStrings:{name} is not set. Run the system through Ticketing.AppHost, or set ConnectionStrings__{name}.");
}
