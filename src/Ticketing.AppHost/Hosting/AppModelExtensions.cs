using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
namespace Ticketing.AppHost.Hosting;

/// <summary>The AppHost's settings that the README promises: ports, replicas, outside servers and <c>Ticketing__*</c> settings.</summary>
public static class AppModelExtensions
{
    /// <summary>The port <c>TICKETING_{NAME}_PORT</c> gives for resource <paramref name="name"/> (1-65535), else <paramref name="fallback"/>.</summary>
    /// <exception cref="InvalidOperationException">The setting is not a port.</exception>
    public static int PortSetting(this IDistributedApplicationBuilder builder, string name, int fallback)
    {
        var key = $"TICKETING_{name.ToUpperInvariant()}_PORT";
        return builder.Configuration[key] switch
        {
            null or "" => fallback,
            var given when int.TryParse(given, out var port) && port is > 0 and < 65536 => port,
            var given => throw new InvalidOperationException($"{key}={given} is not a TCP port (1-65535)."),
        };
    }

    /// <summary>
    /// The outside server of <c>ConnectionStrings__{name}</c> when the AppHost's settings name one (Aspire's
    /// <c>AddConnectionString</c>: nothing is started for it), else the local resource <paramref name="local"/> adds.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> OutsideOr<T>(this IDistributedApplicationBuilder builder, string name,
        Func<IResourceBuilder<T>> local) where T : IResourceWithConnectionString =>
        builder.Configuration.GetConnectionString(name) is { Length: > 0 }
            ? builder.AddConnectionString(name)
            : (IResourceBuilder<IResourceWithConnectionString>)local();

    /// <summary>
    /// Passes every <c>Ticketing__*</c> setting of the AppHost (its environment and command line, e.g.
    /// <c>Ticketing__Holds__Duration=00:00:30 ./run.sh</c>), every <c>Logging__*</c> one and every <c>Kafka__*</c> one (the
    /// QueueWorker's librdkafka consumer properties, <c>Kafka__Consumer__&lt;property&gt;</c>) to the project, and the telemetry
    /// settings an operator gives the run:
    /// <list type="bullet">
    /// <item><c>TICKETING_OTLP_ENDPOINT</c> (with <c>TICKETING_OTLP_PROTOCOL</c>, <c>grpc</c> or <c>http/protobuf</c>, default
    /// <c>grpc</c>, and <c>TICKETING_OTLP_HEADERS</c>, <c>key=value,…</c>): the services export traces, metrics and logs to that
    /// outside OpenTelemetry collector instead of the Aspire dashboard (which keeps the resources and console logs);</item>
    /// <item><c>OTEL_TRACES_SAMPLER</c> and <c>OTEL_TRACES_SAMPLER_ARG</c> (the OpenTelemetry SDK's standard sampler variables):
    /// replace Aspire's development default (<c>always_on</c>), e.g. <c>parentbased_traceidratio</c> with <c>0.01</c>;
    /// <c>OTEL_METRIC_EXPORT_INTERVAL</c>, <c>OTEL_BSP_SCHEDULE_DELAY</c> and <c>OTEL_BLRP_SCHEDULE_DELAY</c> (ms) replace its
    /// development export intervals of 1 s (the SDK's own defaults are 60 s, 5 s and 1 s).</item>
    /// </list>
    /// Aspire sets each project's OTLP variables when it is added; this callback runs later, so these win.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTicketingSettings(this IResourceBuilder<ProjectResource> project)
    {
        var configuration = project.ApplicationBuilder.Configuration;
        return project.WithEnvironment(context =>
        {
            if (configuration["TICKETING_OTLP_ENDPOINT"] is { Length: > 0 } collector)
            {
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector;
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_PROTOCOL"] = configuration["TICKETING_OTLP_PROTOCOL"] is { Length: > 0 } protocol ? protocol : "grpc";
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_HEADERS"); // the dashboard's API key is not the collector's
                if (configuration["TICKETING_OTLP_HEADERS"] is { Length: > 0 } headers)
                {
                    context.EnvironmentVariables["OTEL_EXPORTER_OTLP_HEADERS"] = headers;
                }
            }

            foreach (var name in new[] { "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BLRP_SCHEDULE_DELAY" })
            {
                if (configuration[name] is { Length: > 0 } value)
                {
                    context.EnvironmentVariables[name] = value;
                }
            }

            foreach (var section in new[] { "Ticketing", "Logging", "Kafka" })
            {
                foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
                {
                    if (value is not null)
                    {
                        context.EnvironmentVariables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                    }
                }
            }
        });
    }

    /// <summary>Runs <c>TICKETING_{NAME}_REPLICAS</c> instances of the project (1-10), else <paramref name="replicas"/>.</summary>
    /// <exception cref="InvalidOperationException">The setting is not 1-10.</exception>
    public static IResourceBuilder<ProjectResource> WithReplicasSetting(this IResourceBuilder<ProjectResource> project, int replicas)
    {
        var key = $"TICKETING_{project.Resource.Name.ToUpperInvariant()}_REPLICAS";
        var given = project.ApplicationBuilder.Configuration[key];
        var count = string.IsNullOrEmpty(given) ? replicas
            : int.TryParse(given, out var n) && n is >= 1 and <= 10 ? n
            : throw new InvalidOperationException($"{key}={given} is not a number of replicas (1-10).");
        return count == 1 ? project : project.WithReplicas(count);
    }

    /// <summary>
    /// Serves the project on <c>TICKETING_{NAME}_PORT</c> when set (else its launch profile's port). A single instance listens
    /// on that port itself (<see cref="EndpointAnnotation.IsProxied"/> off): DCP's proxy costs every request a hop — the
    /// anonymous concert list ran at 36.7k req/s through it in <c>./bench.sh</c> on 2026-12-06, 58.8k direct before the move
    /// to Aspire — and is only needed to spread requests over replicas (<see cref="WithReplicasSetting"/>, which must come
    /// first).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPortSetting(this IResourceBuilder<ProjectResource> project)
    {
        var port = project.ApplicationBuilder.PortSetting(project.Resource.Name, 0);
        var replicas = project.Resource.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1;
        return project.WithEndpoint("http", endpoint =>
        {
            if (port != 0)
            {
                endpoint.Port = port;
            }

            if (replicas == 1 && endpoint.Port is { } fixedPort)
            {
                endpoint.IsProxied = false;
                endpoint.TargetPort = fixedPort;
            }
        });
    }

    /// <summary>
    /// Prints <c>==> {label} is ready: {url}</c> in the AppHost's console each time the project becomes healthy, so a newcomer
    /// sees where the Web and the Api are without opening the dashboard.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReadyAnnouncement(this IResourceBuilder<ProjectResource> project, string label)
    {
        project.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(project.Resource, (ready, _) =>
        {
            var url = project.Resource.GetEndpoint("http").Url;
            ready.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ticketing.AppHost")
                .LogInformation("==> {Label} is ready: {Url}", label, url);
            return Task.CompletedTask;
        });
        return project;
    }

    /// <summary>
    /// A TCP endpoint <paramref name="name"/> on 127.0.0.1:<paramref name="port"/> that DCP does not proxy: the server listens on
    /// the documented port itself, so a client that reconnects to the address the server advertises (a Kafka client) or an
    /// operator's <c>psql</c> / <c>redis-cli</c> reaches it directly.
    /// </summary>
    public static IResourceBuilder<T> WithFixedTcpEndpoint<T>(this IResourceBuilder<T> resource, string name, int port)
        where T : IResourceWithEndpoints =>
        resource.WithEndpoint(name, endpoint =>
        {
            endpoint.Port = port;
            endpoint.TargetPort = port;
            endpoint.IsProxied = false;
            endpoint.UriScheme = "tcp";
        });

    /// <summary>
    /// The built program of the project at <paramref name="projectPath"/>: <c>bin/{Configuration}/net10.0/{Name}.dll</c> next to
    /// it, in the configuration the AppHost itself was built in (<c>./run.sh</c> and <c>./test.sh</c> build Release first).
    /// </summary>
    public static string BuiltProgram(string projectPath)
    {
        var configuration = typeof(AppModelExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Configuration")?.Value ?? "Release";
        return Path.Combine(Path.GetDirectoryName(projectPath)!, "bin", configuration, "net10.0", Path.GetFileNameWithoutExtension(projectPath) + ".dll");
    }

    /// <summary>
    /// Runs the project's built program with <c>dotnet exec</c> instead of Aspire's default <c>dotnet run --no-build</c>
    /// (<see cref="ResourceBuilderExtensions.WithLaunchToolArgs{T}(IResourceBuilder{T}, Action{CommandLineArgsCallbackContext}, string?, bool)"/>):
    /// <c>dotnet run</c> evaluates the project with MSBuild at every start (about a second of CPU) and stays resident as the
    /// service's parent (about 150 MB each), which a test run that starts dozens of services pays for every one. The process DCP
    /// reports is then the service itself, so a crash of the service is what DCP sees exit.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithBuiltProgram(this IResourceBuilder<ProjectResource> project)
    {
        var program = BuiltProgram(project.Resource.GetProjectMetadata().ProjectPath);
#pragma warning disable ASPIREEXTENSION001 // launch tool arguments are marked experimental in Aspire 13.6
        return project.WithLaunchToolArgs(context =>
        {
            context.Args.Add("exec");
            context.Args.Add(program);
        });
#pragma warning restore ASPIREEXTENSION001
    }
}
