using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Ticketing.AppHost.Hosting;

/// <summary>
/// Redis from Debian's <c>redis-server</c> as an Aspire executable resource (Aspire.Hosting.Redis runs a container, and there is
/// no container runtime here: shared/ENVIRONMENT.md). Bound to 127.0.0.1, password-protected (<c>requirepass</c>, generated per
/// data folder as Aspire's integration does), append-only file in <c>{data folder}/redis</c> (folder 0700).
/// </summary>
/// <param name="name">Resource name (<c>redis</c>).</param>
/// <param name="password">The <c>requirepass</c> password (a secret parameter).</param>
public sealed class RedisServerResource(string name, ParameterResource password)
    : ExecutableResource(name, "redis-server", "/"), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    /// <summary>The server's endpoint (127.0.0.1, not proxied).</summary>
    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    /// <summary>The password.</summary>
    public ParameterResource Password { get; } = password;

    /// <summary>Keep an append-only file (default true); false for throw-away test data.</summary>
    public bool Durable { get; set; } = true;

    /// <summary><c>127.0.0.1:port,password=…</c>: StackExchange.Redis's format.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"127.0.0.1:{PrimaryEndpoint.Property(EndpointProperty.Port)},password={Password}");
}

/// <summary>Adds the local Redis to the app model.</summary>
public static class RedisResourceExtensions
{
    /// <summary>
    /// Adds Redis on 127.0.0.1:<paramref name="port"/> (<c>TICKETING_{NAME}_PORT</c> moves it). Healthy once it answers
    /// <c>PING</c> with the password.
    /// </summary>
    public static IResourceBuilder<RedisServerResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name, int port,
        IResourceBuilder<ParameterResource> password, string dataDirectory)
    {
        port = builder.PortSetting(name, port);
        var server = new RedisServerResource(name, password.Resource);
        var folder = Path.Combine(dataDirectory, "redis");
        var healthCheck = $"{name}-ping";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async cancellationToken =>
        {
            try
            {
                var options = ConfigurationOptions.Parse(await server.ConnectionStringExpression.GetValueAsync(cancellationToken) ?? "");
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 2000;
                options.ConnectRetry = 0;
                await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(ex.Message);
            }
        });

        return builder.AddResource(server)
            .WithFixedTcpEndpoint(RedisServerResource.EndpointName, port)
            .WithArgs(async context =>
            {
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--port");
                context.Args.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                context.Args.Add("--requirepass");
                context.Args.Add(await password.Resource.GetValueAsync(context.CancellationToken) ?? "");
                context.Args.Add("--save");
                context.Args.Add("");
                if (server.Durable)
                {
                    Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    foreach (var argument in new[] { "--dir", folder, "--appendonly", "yes", "--appendfsync", "everysec" })
                    {
                        context.Args.Add(argument);
                    }
                }
                else
                {
                    context.Args.Add("--appendonly");
                    context.Args.Add("no");
                }
            })
            .WithHealthCheck(healthCheck);
    }
}
