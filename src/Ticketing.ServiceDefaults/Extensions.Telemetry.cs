using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

public static partial class Extensions
{
    /// <summary>Name of the ActivitySource and Meter that Ticketing's own code (Kafka, Redis, admission) uses.</summary>
    public const string TicketingTelemetryName = "Ticketing";

    /// <summary>
    /// True when telemetry is exported (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set). A project that adds instrumentation of
    /// its own (Npgsql in the Api) adds it only then, so tests and load runs pay nothing for telemetry nobody reads.
    /// </summary>
    public static bool IsOtlpExporterEnabled(this IHostApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>
    /// OpenTelemetry the way Aspire's ServiceDefaults set it up (dotnet/eShop): traces from ASP.NET Core (health and alive
    /// requests left out), HttpClient and <see cref="TicketingTelemetryName"/> (Kafka, Redis, admission spans);
    /// metrics from ASP.NET Core, HttpClient, the runtime and <see cref="TicketingTelemetryName"/>; logs through
    /// the OpenTelemetry logger (each record carries the trace and span id of the request it belongs to). Exported over
    /// OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (protocol, headers and intervals from the standard
    /// <c>OTEL_*</c> variables); without it nothing is collected, so tests and load runs pay nothing for it.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (!builder.IsOtlpExporterEnabled())
        {
            return builder;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TicketingTelemetryName))
            .WithTracing(tracing => tracing
                .AddSource(TicketingTelemetryName)
                .AddAspNetCoreInstrumentation(options => options.Filter = http => !IsHealthPath(http.Request.Path))
                .AddHttpClientInstrumentation(options => options.FilterHttpRequestMessage = request =>
                    request.RequestUri is not { AbsolutePath: HealthEndpointPath or AlivenessEndpointPath }))
            .UseOtlpExporter();
        return builder;
    }
}
