using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

public static partial class Extensions
{
    /// <summary>Tag of the checks that only say the process is up (<c>/alive</c>).</summary>
    public const string AliveTag = "live";

    /// <summary>Tag of the checks that say a dependency answers (<c>/health</c>).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Path of the readiness endpoint: every check (Postgres, Redis, Kafka where used) must pass.</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Path of the liveness endpoint: only the process itself.</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>
    /// Maps <c>/health</c> (all checks) and <c>/alive</c> (liveness only). Requests to them are left out of traces by the
    /// ASP.NET Core instrumentation's filter (<see cref="ConfigureOpenTelemetry"/>): a poll every second would drown the real traffic.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(AliveTag),
        });
        return app;
    }

    internal static bool IsHealthPath(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath) || path.StartsWithSegments(AlivenessEndpointPath);
}
