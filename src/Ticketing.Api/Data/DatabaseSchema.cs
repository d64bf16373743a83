using Microsoft.EntityFrameworkCore;

namespace Ticketing.Api.Data;

/// <summary>Brings the database to the schema of this build at start-up (README "Schema and migrations").</summary>
public static class DatabaseSchema
{
    /// <summary>
    /// The one line an Api started on a database of the plain-SQL era (table <c>schema_migrations</c>, no
    /// <c>__EFMigrationsHistory</c>) stops with. That schema is not upgraded in place: the data is a development
    /// folder's, and guessing which plain-SQL state maps to which EF migration is how data gets lost.
    /// </summary>
    public const string LegacyDatabaseMessage =
        "The database was created by an older Ticketing (plain-SQL migrations, table schema_migrations) and cannot be upgraded: " +
        "stop the system, delete the data folder (.data/, or the folder TICKETING_DATA_DIR names; or drop the database of ConnectionStrings__postgres) and start again.";

    /// <summary>
    /// Applies every pending EF Core migration before the server listens. Safe when several Api instances start at once:
    /// EF Core (9+) takes its migration lock first, which Npgsql implements as
    /// <c>LOCK TABLE "__EFMigrationsHistory" IN ACCESS EXCLUSIVE MODE</c> inside the migration transaction (held until
    /// commit), so one instance migrates and the others wait, then find nothing pending. Creating the history table itself
    /// is made race-safe by Npgsql (a concurrent duplicate-table error counts as "already there").
    /// </summary>
    /// <returns>False, after logging <see cref="LegacyDatabaseMessage"/> as a critical error, when the database is of the plain-SQL era.</returns>
    /// <exception cref="Npgsql.NpgsqlException">Postgres is unreachable or a migration fails (the start-up fails loudly).</exception>
    public static async Task<bool> MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        var legacy = await db.Database.SqlQuery<bool>($"""
            SELECT to_regclass('public.schema_migrations') IS NOT NULL AND to_regclass('public."__EFMigrationsHistory"') IS NULL AS "Value"
            """).SingleAsync(cancellationToken);
        if (legacy)
        {
            scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseSchema)).LogCritical(LegacyDatabaseMessage);
            return false;
        }

        await db.Database.MigrateAsync(cancellationToken);
        return true;
    }
}
