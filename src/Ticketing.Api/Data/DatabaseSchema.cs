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
    /// Key of the Postgres advisory lock the migration runs under (any bigint; this one reads "ticketing migrate").
    /// </summary>
    public const long MigrationLockKey = 0x7469636b_6d696772;

    /// <summary>
    /// Applies every pending EF Core migration before the server listens. Safe when several Api instances start at once (two
    /// replicas on a fresh database): the whole migration runs under a session-level Postgres advisory lock
    /// (<see cref="MigrationLockKey"/>), so one instance migrates and the others wait, then find nothing pending. EF Core's
    /// own migration lock alone did not suffice: two Apis on a fresh database both applied the second migration (seen as
    /// "function catalog_changed already exists" in ./test.sh), as that lock is taken per migration transaction.
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

        // One connection for the lock, the migration and the unlock (a session-level lock belongs to its connection; the pool
        // does not reset connections, so it is released explicitly).
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
            try
            {
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return true;
    }
}
