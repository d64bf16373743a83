using System.Reflection;
using Dapper;
using Npgsql;

namespace Ticketing.Api.Data;

/// <summary>
/// Applies the plain-SQL migrations embedded from <c>Data/Migrations/*.sql</c>, in file-name order, once
/// each, recorded in <c>schema_migrations</c>. Runs at Api start-up before the server listens; a Postgres
/// advisory lock makes concurrent start-ups of several Api instances safe (ENVIRONMENT.md: the EF Core
/// design-time tooling does not restore here, so plain SQL is the route).
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger)
{
    // Any fixed 64-bit number: the key of the advisory lock that serialises migrators.
    private const long MigrationLockKey = 0x5449434B4554;

    /// <summary>Applies every migration not yet recorded. Each migration runs in its own transaction.</summary>
    /// <exception cref="NpgsqlException">Postgres is unreachable or a migration fails (the start-up fails loudly).</exception>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = MigrationLockKey });
        try
        {
            await connection.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """);
            var applied = (await connection.QueryAsync<string>("SELECT version FROM schema_migrations")).ToHashSet();

            foreach (var (version, sql) in LoadMigrations())
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(sql, transaction: transaction);
                await connection.ExecuteAsync("INSERT INTO schema_migrations (version) VALUES (@version)", new { version }, transaction);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied database migration {Version}", version);
            }
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = MigrationLockKey });
        }
    }

    private static IEnumerable<(string Version, string Sql)> LoadMigrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "Ticketing.Api.Data.Migrations.";
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return (name[prefix.Length..^".sql".Length], reader.ReadToEnd());
        }
    }
}
