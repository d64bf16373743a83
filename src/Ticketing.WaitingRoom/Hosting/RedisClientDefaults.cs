using Aspire.StackExchange.Redis;
using StackExchange.Redis;

namespace Ticketing.WaitingRoom.Hosting;

/// <summary>
/// What the Api and the QueueWorker give Aspire's Redis client integration (Aspire.StackExchange.Redis):
/// <c>builder.AddRedisClient("redis", RedisClientDefaults.Settings, RedisClientDefaults.Options)</c>. The integration registers
/// the one shared <see cref="IConnectionMultiplexer"/> (connected while the host starts, <c>abortConnect=false</c>: a Redis
/// that is down then does not stop the start) and a health check that pings Redis on <c>/health</c>. While Redis is away,
/// commands wait in the multiplexer's backlog and go out when it reconnects (a Redis restarted within seconds costs
/// latency, not errors: issue 16's fault test); one that waits past its timeout (5 s) fails with
/// <see cref="RedisConnectionException"/> or <see cref="RedisTimeoutException"/>, which the Api answers with 503.
/// </summary>
public static class RedisClientDefaults
{
    /// <summary>
    /// The integration's own tracing is off: it builds spans afterwards from StackExchange.Redis's profiler (every command of
    /// every request recorded into a session, sampled or not; spans made by a drain thread up to 10 s later), names them by
    /// command only (<c>EVALSHA</c>, not which script), and records the commands made outside any span — the QueueWorker's
    /// admission step every 100 ms — as root traces. <see cref="RedisTracing"/> gives one client span per call named
    /// after the script (<c>EVALSHA join</c>) at the cost of one null check when nothing listens.
    /// </summary>
    public static void Settings(StackExchangeRedisSettings settings) => settings.DisableTracing = true;

    /// <summary>
    /// Reads are processed on the .NET thread pool instead of the library's dedicated socket-manager threads: on the 2-core
    /// machines this project runs on, the extra threads cost the queue heartbeat 14% of its throughput (wrk -c50, 12.9k vs
    /// 16.4k req/s; StackExchange.Redis docs, "SocketManager.ThreadPool").
    /// </summary>
    public static void Options(ConfigurationOptions options) => options.SocketManager = SocketManager.ThreadPool;
}
