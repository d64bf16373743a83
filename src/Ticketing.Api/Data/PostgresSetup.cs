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
        builder.Services.AddNpgsqlDataSource(WithHotPathDefaults(builder.GetRequiredConnectionString(name)));
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

    /// <summary>
    /// The connection string with two pool settings the crowd paths need, unless it sets them itself (Npgsql docs,
    /// "Connection String Parameters" and "Prepared Statements"): <c>Max Auto Prepare=50</c> with
    /// <c>Auto Prepare Min Usages=2</c>, so a statement run twice on a connection is prepared there and Postgres stops
    /// parsing and planning it on every request (44% of Postgres's CPU under a hold crowd); and <c>No Reset On Close=true</c>,
    /// so a connection going back to the pool skips <c>DISCARD ALL</c> — which would also drop those prepared statements.
    /// Safe here because nothing in the Api leaves session state behind (no <c>SET</c>, temporary tables or session locks;
    /// the migration lock is EF Core's, held by a transaction).
    /// </summary>
    public static string WithHotPathDefaults(string connectionString)
    {
        // The keywords the string itself names (NpgsqlConnectionStringBuilder.ContainsKey is true for every known keyword).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var result = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare"))
        {
            result.MaxAutoPrepare = 50;
        }

        if (!given.Contains("AutoPrepareMinUsages"))
        {
            result.AutoPrepareMinUsages = 2;
        }

        if (!given.Contains("NoResetOnClose"))
        {
            result.NoResetOnClose = true;
        }

        return result.ConnectionString;
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
