using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one call every Ticketing service makes: telemetry, health endpoints and the shared client set-up,
/// following the conventions of .NET Aspire's ServiceDefaults (dotnet/eShop <c>Extensions.cs</c>).
/// Split by concern into sibling files (telemetry, health, Kafka, Redis, Postgres).
/// </summary>
public static partial class Extensions
{
    /// <summary>
    /// Adds OpenTelemetry (exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), the
    /// <c>/health</c> and <c>/alive</c> checks, ProblemDetails and the librdkafka native-library resolver.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddProblemDetails();
        KafkaNativeLibrary.EnsureResolver();
        return builder;
    }

    /// <summary>Adds the liveness check that <c>/alive</c> reports; readiness checks are tagged <c>ready</c>.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [AliveTag]);
        return builder;
    }
}
