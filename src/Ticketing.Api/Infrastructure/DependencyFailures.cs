using System.Diagnostics;
using System.Reflection;

namespace Ticketing.Api.Infrastructure;

/// <summary>
/// Which exceptions mean "a dependency is unavailable, retry shortly" (503 with <c>Retry-After</c>) rather than a bug (500).
/// A Redis client failure is classified by where it comes from, not by one exception type: when Redis dies under load,
/// StackExchange.Redis throws <c>RedisConnectionException</c> or <c>RedisTimeoutException</c> most of the time, but a command
/// caught mid-write can surface as a bare <see cref="InvalidOperationException"/> ("Writing is not allowed after writer was
/// completed", from System.IO.Pipelines under <c>PhysicalConnection.WriteHeader</c>) or an <see cref="ObjectDisposedException"/>
/// of its socket — seen killing Redis with SIGKILL under holds and payments on 2026-12-06.
/// </summary>
public static class DependencyFailures
{
    private static readonly Assembly RedisClient = typeof(StackExchange.Redis.IDatabase).Assembly;

    // Server replies that say "not now" rather than "your command is wrong" (Redis's documented transient error prefixes).
    private static readonly string[] TransientRedisReplies = ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN"];

    /// <summary>
    /// True when <paramref name="exception"/> (or an inner exception) is: a transient Npgsql failure (SQLSTATE classes 08, 53,
    /// 57P0x, pool timeouts: <c>NpgsqlException.IsTransient</c>); a full password-hashing queue (<see cref="Users.PasswordWork"/>); a Redis connection or timeout error; a Redis server reply
    /// that means "not now" (<c>LOADING</c>, <c>BUSY</c>, …); or any other exception thrown from inside the Redis client (a
    /// frame of StackExchange.Redis on its stack) that is not a server's reply to a wrong command — an error reply from one of
    /// our scripts stays a 500, since retrying will not heal it.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        Npgsql.NpgsqlException { IsTransient: true } => true,
        Users.PasswordWork.BusyException => true,
        StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException => true,
        StackExchange.Redis.RedisServerException server => TransientRedisReplies.Any(p => server.Message.StartsWith(p, StringComparison.Ordinal)),
        _ when ComesFromRedisClient(exception) => true,
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };

    private static bool ComesFromRedisClient(Exception exception) =>
        new StackTrace(exception, fNeedFileInfo: false).GetFrames().Any(frame => frame.GetMethod()?.DeclaringType?.Assembly == RedisClient);
}
