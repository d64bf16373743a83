using System.Diagnostics;
using StackExchange.Redis;

namespace Ticketing.WaitingRoom;

/// <summary>
/// Client spans for Redis calls (StackExchange.Redis 2.x emits no Activity of its own; why not the Aspire integration's: <see cref="Hosting.RedisClientDefaults.Settings"/>), following the OpenTelemetry database semantic
/// conventions: kind Client, name <c>{operation} {target}</c>, <c>db.system=redis</c>, <c>db.operation.name</c>,
/// <c>db.namespace</c> (database index) and <c>server.address</c>/<c>server.port</c>. The source is <c>Ticketing</c>,
/// which the services' tracer providers listen to; with no listener a call costs one null check.
/// </summary>
public static class RedisTracing
{
    /// <summary>The ActivitySource of Ticketing's own spans (same name in every service).</summary>
    public static readonly ActivitySource Source = new(Microsoft.Extensions.Hosting.Extensions.TicketingTelemetryName);

    /// <summary>Runs a Lua script as one traced call named <c>EVALSHA {scriptName}</c>.</summary>
    public static Task<RedisResult> EvaluateTracedAsync(this IDatabase db, string scriptName, string script, RedisKey[] keys, RedisValue[] values) =>
        db.TracedAsync("EVALSHA", scriptName, () => db.ScriptEvaluateAsync(script, keys, values));

    /// <summary>Runs <paramref name="call"/> inside a client span for <paramref name="operation"/> (e.g. <c>HGETALL</c>) on <paramref name="target"/>.</summary>
    public static async Task<T> TracedAsync<T>(this IDatabase db, string operation, string target, Func<Task<T>> call)
    {
        using var activity = Source.StartActivity($"{operation} {target}", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("db.system", "redis");
            activity.SetTag("db.system.name", "redis");
            activity.SetTag("db.operation.name", operation);
            activity.SetTag("db.namespace", db.Database.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (db.Multiplexer.GetEndPoints() is [System.Net.DnsEndPoint dns, ..])
            {
                activity.SetTag("server.address", dns.Host);
                activity.SetTag("server.port", dns.Port);
            }
            else if (db.Multiplexer.GetEndPoints() is [System.Net.IPEndPoint ip, ..])
            {
                activity.SetTag("server.address", ip.Address.ToString());
                activity.SetTag("server.port", ip.Port);
            }
        }

        try
        {
            return await call();
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity.SetTag("error.type", ex.GetType().FullName);
            throw;
        }
    }
}
