using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static partial class Extensions
{
    /// <summary>
    /// Registers an <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:{name}</c> (Aspire's convention)
    /// and a <c>ready</c> health check that runs <c>SELECT 1</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection string is missing.</exception>
    public static TBuilder AddNpgsqlDataSource<TBuilder>(this TBuilder builder, string name = "postgres") where TBuilder : IHostApplicationBuilder
    {
        var connectionString = RequireConnectionString(builder.Configuration, name);
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>(name, tags: [ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Registers one shared <see cref="IConnectionMultiplexer"/> (StackExchange.Redis 1.2.6) from
    /// <c>ConnectionStrings:{name}</c> and a <c>ready</c> health check that sends <c>PING</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection string is missing.</exception>
    public static TBuilder AddRedisClient<TBuilder>(this TBuilder builder, string name = "redis") where TBuilder : IHostApplicationBuilder
    {
        var connectionString = RequireConnectionString(builder.Configuration, name);
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            var options = ConfigurationOptions.Parse(connectionString);
            options.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(options);
        });
        // Connect before the server takes requests: a first burst would otherwise race the lazy connect
        // (1.2.6 connects synchronously and starves the thread pool under load).
        builder.Services.AddHostedService<RedisConnectAtStartup>();
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>(name, tags: [ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Registers the Kafka bootstrap servers from <c>ConnectionStrings:{name}</c> as <see cref="KafkaConnection"/>
    /// and a <c>ready</c> health check that asks the cluster for its metadata.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection string is missing.</exception>
    public static TBuilder AddKafkaConnection<TBuilder>(this TBuilder builder, string name = "kafka") where TBuilder : IHostApplicationBuilder
    {
        var connectionString = RequireConnectionString(builder.Configuration, name);
        builder.Services.AddSingleton(new KafkaConnection(connectionString));
        builder.Services.AddHealthChecks().AddCheck<KafkaHealthCheck>(name, tags: [ReadyTag]);
        return builder;
    }

    private static string RequireConnectionString(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"ConnectionStrings:{name} is not set. Run the system through Ticketing.AppHost, or set ConnectionStrings__{name}.");

    private sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy("Postgres does not answer.", ex);
            }
        }
    }

    private sealed class RedisConnectAtStartup(IServiceProvider services, ILogger<RedisConnectAtStartup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            // Logged on both sides: StackExchange.Redis 1.2.6 connects synchronously, and a slow connect holds up start-up.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            logger.LogInformation("Connecting to Redis");
            var redis = await Task.Run(() => services.GetRequiredService<IConnectionMultiplexer>(), cancellationToken);
            logger.LogInformation("Redis connection ready after {Elapsed} ms (connected: {Connected})", clock.ElapsedMilliseconds, redis.IsConnected);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy("Redis does not answer.", ex);
            }
        }
    }

    private sealed class KafkaHealthCheck(KafkaConnection kafka) : IHealthCheck
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
            catch (Exception ex)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("Kafka does not answer.", ex));
            }
        }
    }
}

/// <summary>The Kafka cluster to talk to: a comma-separated <c>host:port</c> list (Kafka's <c>bootstrap.servers</c>).</summary>
/// <param name="BootstrapServers">For example <c>127.0.0.1:39092</c>.</param>
public sealed record KafkaConnection(string BootstrapServers);
