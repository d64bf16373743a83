using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Ticketing.WaitingRoom.Hosting;

/// <summary>The Kafka cluster to talk to: a comma-separated <c>host:port</c> list (Kafka's <c>bootstrap.servers</c>).</summary>
/// <param name="BootstrapServers">For example <c>127.0.0.1:39092</c>.</param>
public sealed record KafkaConnection(string BootstrapServers)
{
    /// <summary><c>ready</c> check: the cluster answers a metadata request within 3 s with at least one broker.</summary>
    internal sealed class HealthCheck(KafkaConnection kafka) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(3));
                return Task.FromResult(metadata.Brokers.Count > 0
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("Kafka answered with no brokers."));
            }
            catch (KafkaException ex)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("Kafka does not answer.", ex));
            }
        }
    }
}

/// <summary>Registration of the Kafka connection (the role of Aspire.Confluent.Kafka's connection-string handling).</summary>
public static class KafkaClientExtensions
{
    /// <summary>
    /// Registers the bootstrap servers from <c>ConnectionStrings:{name}</c> as <see cref="KafkaConnection"/> and a
    /// <c>ready</c> health check that asks the cluster for its metadata. Producers and consumers are built by the
    /// code that owns them (<c>JoinsProducer</c>, <c>AdmissionWorker</c>) with their own settings.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection string is missing.</exception>
    public static TBuilder AddKafkaConnection<TBuilder>(this TBuilder builder, string name = "kafka") where TBuilder : IHostApplicationBuilder
    {
        EnsureNativeLibraryMatches();
        builder.Services.AddSingleton(new KafkaConnection(builder.GetRequiredConnectionString(name)));
        builder.Services.AddHealthChecks().AddCheck<KafkaConnection.HealthCheck>(name, tags: [Extensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Fails the start-up in one clear sentence when the librdkafka that was loaded is not the librdkafka.redist build of
    /// Confluent.Kafka's own minor version. It happens where an older checkout's set-up installed Debian's
    /// <c>librdkafka-dev</c>: its unversioned <c>/usr/lib/x86_64-linux-gnu/librdkafka.so</c> (2.0.2) is found before the
    /// package's, and the client later dies on a missing entry point.
    /// </summary>
    /// <exception cref="InvalidOperationException">The versions differ; the message says what to remove.</exception>
    public static void EnsureNativeLibraryMatches()
    {
        var expected = typeof(Library).Assembly.GetName().Version!;
        var loaded = Library.Version; // 0xMMmmrrxx (librdkafka's rd_kafka_version())
        if ((loaded >> 24) != expected.Major || ((loaded >> 16) & 0xff) != expected.Minor)
        {
            throw new InvalidOperationException(
                $"librdkafka {Library.VersionString} was loaded, but Confluent.Kafka {expected.ToString(3)} needs the librdkafka.redist build of {expected.Major}.{expected.Minor}: " +
                "remove Debian's librdkafka-dev (apt-get remove librdkafka-dev), whose librdkafka.so is found first.");
        }
    }
}
