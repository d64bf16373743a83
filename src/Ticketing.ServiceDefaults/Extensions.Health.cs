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
    /// Maps <c>/health</c> (all checks) and <c>/alive</c> (liveness only), and keeps requests to them
    /// out of traces (a poll every second would otherwise drown the real traffic).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (IsHealthPath(context.Request.Path) && Activity.Current is { } activity)
            {
                activity.IsAllDataRequested = false;
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            }
            return next(context);
        });

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
