using Microsoft.Extensions.DependencyInjection;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ticketing.AppHost.Hosting;

/// <summary>
/// The Kafka-protocol dev broker (<c>src/Ticketing.DevBroker</c>: librdkafka's mock cluster) as an Aspire executable resource:
/// no Kafka broker installs here and Aspire.Hosting.Kafka is not served (shared/ENVIRONMENT.md). It listens and advertises one
/// fixed 127.0.0.1 port (not proxied: Kafka clients reconnect to the address the broker advertises). Each start is a new, empty
/// log with a new <see cref="Epoch"/>, which the QueueWorker reads to put the people who were waiting back in line.
/// </summary>
/// <param name="name">Resource name (<c>kafka</c>).</param>
/// <param name="dll">Path of the built <c>Ticketing.DevBroker.dll</c>.</param>
public sealed class KafkaDevBrokerResource(string name, string dll)
    : ExecutableResource(name, "dotnet", Path.GetDirectoryName(dll)!), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    /// <summary>The broker's endpoint.</summary>
    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    /// <summary>Topics created at each start: name → partitions.</summary>
    public Dictionary<string, int> Topics { get; } = [];

    /// <summary>A new value at each start of the broker (a GUID): its log starts empty then.</summary>
    public string Epoch { get; internal set; } = Guid.NewGuid().ToString("N");

    /// <summary><c>127.0.0.1:port</c>: Kafka's bootstrap servers.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"127.0.0.1:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

/// <summary>Adds the Kafka dev broker to the app model.</summary>
public static class KafkaDevBrokerExtensions
{
    /// <summary>
    /// Adds the dev broker on 127.0.0.1:<paramref name="port"/> (<c>TICKETING_{NAME}_PORT</c> moves it). Healthy once its port
    /// accepts connections, which it opens only after its topics exist.
    /// </summary>
    public static IResourceBuilder<KafkaDevBrokerResource> AddKafkaDevBroker(this IDistributedApplicationBuilder builder, string name, int port)
    {
        port = builder.PortSetting(name, port);
        var dll = AppModelExtensions.BuiltProgram(new Projects.Ticketing_DevBroker().ProjectPath);
        var broker = new KafkaDevBrokerResource(name, dll);
        var healthCheck = $"{name}-listening";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async cancellationToken =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException ex)
            {
                return HealthCheckResult.Unhealthy(ex.Message);
            }
        });
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(broker, (_, _) =>
        {
            broker.Epoch = Guid.NewGuid().ToString("N");
            return Task.CompletedTask;
        });

        return builder.AddResource(broker)
            .WithFixedTcpEndpoint(KafkaDevBrokerResource.EndpointName, port)
            .WithArgs(dll)
            .WithEnvironment(context =>
            {
                context.EnvironmentVariables["DEVBROKER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.EnvironmentVariables["DEVBROKER_TOPICS"] = string.Join(',', broker.Topics.Select(t => $"{t.Key}:{t.Value}"));
            })
            .WithHealthCheck(healthCheck);
    }

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions at each start of the broker.</summary>
    public static IResourceBuilder<KafkaDevBrokerResource> WithTopic(this IResourceBuilder<KafkaDevBrokerResource> broker, string topic, int partitions)
    {
        broker.Resource.Topics[topic] = partitions;
        return broker;
    }

    /// <summary>
    /// Gives <paramref name="project"/> the broker's connection string and its epoch (<c>Ticketing__Queue__BrokerEpoch</c>, read
    /// when the project starts), so the QueueWorker knows when the log it was reading is gone.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithBrokerEpoch(this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString> kafka) =>
        kafka.Resource is KafkaDevBrokerResource broker
            ? project.WithAnnotation(new RestartWithAnnotation(broker))
                .WithEnvironment(context => context.EnvironmentVariables["Ticketing__Queue__BrokerEpoch"] = broker.Epoch)
            : project; // an outside Kafka keeps its log: nothing to requeue
}
