using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Ticketing.Api.Data;

/// <summary>
/// Registration of Postgres (the role of Aspire.Npgsql's <c>AddNpgsqlDataSource</c> and
/// Aspire.Npgsql.EntityFrameworkCore.PostgreSQL's <c>AddNpgsqlDbContext</c>).
/// </summary>
public static class PostgresSetup
{
    /// <summary>
    /// Registers one <see cref="NpgsqlDataSource"/> (Npgsql.DependencyInjection: a singleton with its connection pool) from
    /// <c>ConnectionStrings:{name}</c>, a <c>ready</c> health check that runs <c>SELECT 1</c>, and — when telemetry is
    /// exported — Npgsql's own OpenTelemetry tracing (one span per command) and metrics (Npgsql.OpenTelemetry). The
    /// <see cref="TicketingDbContext"/> is pooled (<c>AddDbContextPool</c>, 1,024 contexts) and opens its connections from that
    /// same data source, so EF Core queries and the hand-written SQL of the hot paths share one connection pool and one set of spans.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection string is missing.</exception>
    public static TBuilder AddPostgres<TBuilder>(this TBuilder builder, string name = "postgres") where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddNpgsqlDataSource(builder.GetRequiredConnectionString(name));
        builder.Services.AddDbContextPool<TicketingDbContext>((services, options) => options
            .UseNpgsql(services.GetRequiredService<NpgsqlDataSource>())
            // Npgsql already logs every command (category Npgsql.Command). A failed command surfaces as an exception that its
            // caller maps (a unique violation is 409 NAME_TAKEN, the missing history table on a fresh database is "no
            // migrations yet") or lets the exception handler log: EF's own "Failed executing DbCommand" error would be noise.
            .ConfigureWarnings(warnings => warnings.Log(
                (RelationalEventId.CommandExecuted, LogLevel.Debug), (RelationalEventId.CommandError, LogLevel.Debug))));
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>(name, tags: [Extensions.ReadyTag]);
        if (builder.IsOtlpExporterEnabled())
        {
            builder.Services.AddOpenTelemetry()
                .WithTracing(tracing => tracing.AddNpgsql())
                .WithMetrics(metrics => metrics.AddNpgsqlInstrumentation());
        }

        return builder;
    }

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
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("Postgres does not answer.", ex);
            }
        }
    }
}
