using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Ticketing.Api.Data;

/// <summary>
/// Registration of Postgres through Aspire's client integrations: Aspire.Npgsql's <c>AddNpgsqlDataSource</c> and
/// Aspire.Npgsql.EntityFrameworkCore.PostgreSQL's <c>EnrichNpgsqlDbContext</c> around our own pooled context.
/// </summary>
public static class PostgresSetup
{
    /// <summary>
    /// Registers, from <c>ConnectionStrings:{name}</c> with <see cref="WithHotPathDefaults"/>: one <see cref="NpgsqlDataSource"/>
    /// (Aspire.Npgsql: a singleton with its connection pool, a health check on <c>/health</c> that runs <c>SELECT 1</c>, and —
    /// when telemetry is exported — Npgsql's tracing, one span per command, and metrics); the <see cref="TicketingDbContext"/>,
    /// pooled (<c>AddDbContextPool</c>, 1,024 contexts) and opening its connections from that same data source, so EF Core
    /// queries and the hand-written SQL of the hot paths share one pool and one set of spans; and the EF Core integration's
    /// enrichment of it (EF Core's counters when telemetry is exported). Not from the EF integration: its retrying execution
    /// strategy (every write here runs in a transaction of our own, which a retrying strategy refuses to run), its second
    /// health check (the data source's already checks the same pool) and its second registration of Npgsql's tracing.
    /// Without an OTLP endpoint no tracer or meter listens, so tests and load runs pay nothing for telemetry nobody reads.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection string is missing.</exception>
    public static TBuilder AddPostgres<TBuilder>(this TBuilder builder, string name = "postgres") where TBuilder : IHostApplicationBuilder
    {
        var connectionString = WithHotPathDefaults(builder.GetRequiredConnectionString(name));
        var telemetry = builder.IsOtlpExporterEnabled();
        builder.AddNpgsqlDataSource(name, settings =>
        {
            settings.ConnectionString = connectionString;
            settings.DisableTracing = !telemetry;
            settings.DisableMetrics = !telemetry;
        });
        builder.Services.AddDbContextPool<TicketingDbContext>((services, options) => options
            .UseNpgsql(services.GetRequiredService<NpgsqlDataSource>())
            // Npgsql already logs every command (category Npgsql.Command). A failed command surfaces as an exception that its
            // caller maps (a unique violation is 409 NAME_TAKEN, the missing history table on a fresh database is "no
            // migrations yet") or lets the exception handler log: EF's own "Failed executing DbCommand" error would be noise.
            .ConfigureWarnings(warnings => warnings.Log(
                (RelationalEventId.CommandExecuted, LogLevel.Debug), (RelationalEventId.CommandError, LogLevel.Debug))));
        builder.EnrichNpgsqlDbContext<TicketingDbContext>(settings =>
        {
            settings.DisableRetry = true;
            settings.DisableHealthChecks = true;
            settings.DisableTracing = true;
            settings.DisableMetrics = !telemetry;
        });
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
}
