using Microsoft.Extensions.DependencyInjection;
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
    /// Builds tracer and meter providers by hand (OpenTelemetry.Extensions.Hosting is not in the package
    /// mirror, shared/ENVIRONMENT.md). ASP.NET Core, HttpClient and Npgsql emit activities themselves;
    /// Kafka and Redis spans come from <see cref="TicketingTelemetryName"/>. Exports over OTLP only when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; otherwise no provider is built.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return builder;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);

        var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource("Microsoft.AspNetCore", "System.Net.Http", "Npgsql", TicketingTelemetryName)
            .AddOtlpExporter()
            .Build();
        var meterProvider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "Npgsql", TicketingTelemetryName)
            .AddOtlpExporter()
            .Build();

        // Registered as singletons so the host disposes (and so flushes) them at shutdown.
        builder.Services.AddSingleton(tracerProvider);
        builder.Services.AddSingleton(meterProvider);
        return builder;
    }
}
