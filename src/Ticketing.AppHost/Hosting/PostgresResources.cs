using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Ticketing.AppHost.Hosting;

/// <summary>
/// A PostgreSQL server run from Debian's binaries (<c>/usr/lib/postgresql/&lt;version&gt;/bin/postgres</c>) as an Aspire
/// executable resource: there is no container runtime here, so Aspire.Hosting.PostgreSQL's container cannot start
/// (shared/ENVIRONMENT.md). DCP runs it through a small bash launcher that, as root, drops to the <c>postgres</c> OS user
/// (<c>setpriv</c>; Postgres refuses root) and turns DCP's SIGTERM into SIGINT, Postgres's <i>fast</i> shutdown, so a stop never
/// leaves crash recovery for the next start. The cluster is made with <c>initdb</c> (SCRAM-SHA-256) before the first start.
/// </summary>
/// <param name="name">Resource name (<c>postgres</c>).</param>
/// <param name="password">The <c>postgres</c> superuser's password (a secret parameter).</param>
/// <param name="dataDirectory">The cluster's folder.</param>
public sealed class PostgresServerResource(string name, ParameterResource password, string dataDirectory)
    : ExecutableResource(name, "bash", "/"), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    /// <summary>The server's endpoint (127.0.0.1, not proxied: DCP's proxy would hide who is connected).</summary>
    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    /// <summary>The superuser's password.</summary>
    public ParameterResource Password { get; } = password;

    /// <summary>The cluster's folder.</summary>
    public string DataDirectory { get; } = dataDirectory;

    /// <summary>Flush to disk at commit (default true); false for throw-away test data (fsync off, as Postgres's docs allow for it).</summary>
    public bool Durable { get; set; } = true;

    /// <summary>The server's <c>max_connections</c> (default 300; each service's pool takes up to 100).</summary>
    public int MaxConnections { get; set; } = 300;

    /// <summary><c>Host=127.0.0.1;Port=…;Username=postgres;Password=…</c>: the server, as its superuser.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username=postgres;Password={Password}");
}

/// <summary>
/// A database in a <see cref="PostgresServerResource"/>, created when the server is ready if missing, and owned by a login
/// role of its own (<see cref="OwnerName"/>): the services connect as that role, which owns this database and its objects and
/// nothing else — not a superuser, no CREATEDB or CREATEROLE (as Aspire's integrations give each database its own user).
/// </summary>
/// <param name="name">Resource name.</param>
/// <param name="databaseName">The database's name in Postgres (a plain identifier).</param>
/// <param name="parent">The server.</param>
/// <param name="ownerPassword">The owner role's password (generated into <c>secrets.json</c>).</param>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent, ParameterResource ownerPassword)
    : Resource(name), IResourceWithParent<PostgresServerResource>, IResourceWithConnectionString
{
    /// <summary>The database's name in Postgres.</summary>
    public string DatabaseName { get; } = databaseName;

    /// <summary>The login role that owns the database: <c>{database}_owner</c>.</summary>
    public string OwnerName => $"{DatabaseName}_owner";

    /// <summary>The owner role's password.</summary>
    public ParameterResource OwnerPassword { get; } = ownerPassword;

    /// <inheritdoc />
    public PostgresServerResource Parent { get; } = parent;

    /// <summary><c>Host=127.0.0.1;Port=…;Username={database}_owner;Password=…;Database={database}</c>.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Parent.PrimaryEndpoint.Property(EndpointProperty.Port)};Username={OwnerName};Password={OwnerPassword};Database={DatabaseName}");
}

/// <summary>Adds the local Postgres server and its databases to the app model.</summary>
public static class PostgresResourceExtensions
{
    // Runs postgres in the foreground as the postgres OS user (when root), passing DCP's SIGTERM on as SIGINT (fast shutdown)
    // and exiting with postgres's own status (137 when it was SIGKILLed), so that a crash is seen as one.
    private const string Launcher = """
        set -u
        if [ "$(id -u)" = 0 ]; then
          setpriv --reuid=postgres --regid=postgres --init-groups --pdeathsig=SIGINT -- "$@" &
        else
          setpriv --pdeathsig=SIGINT -- "$@" &
        fi
        pid=$!
        trap 'kill -INT "$pid" 2>/dev/null' TERM INT
        status=0
        while kill -0 "$pid" 2>/dev/null; do wait "$pid"; status=$?; done
        exit "$status"
        """;

    /// <summary>
    /// Adds a Postgres server on 127.0.0.1:<paramref name="port"/> (<c>TICKETING_{NAME}_PORT</c> moves it), data in
    /// <c>{data folder}/postgres</c> (or, when the <c>postgres</c> OS user cannot reach the checkout, e.g. under <c>/root</c>,
    /// in <c>/var/tmp/ticketing-{hash}/postgres</c>, said at start-up). Healthy once it accepts a connection.
    /// </summary>
    /// <exception cref="InvalidOperationException">No Postgres binaries (run scripts/setup.sh).</exception>
    public static IResourceBuilder<PostgresServerResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name, int port,
        IResourceBuilder<ParameterResource> password, string dataDirectory)
    {
        port = builder.PortSetting(name, port);
        var folder = PostgresFolder(dataDirectory);
        var server = new PostgresServerResource(name, password.Resource, folder);
        var healthCheck = $"{name}-accepts-connections";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, cancellationToken => AcceptsConnectionsAsync(server, "postgres", cancellationToken));

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, async (_, cancellationToken) =>
            await InitializeClusterAsync(server, await password.Resource.GetValueAsync(cancellationToken) ?? "", cancellationToken));

        return builder.AddResource(server)
            .WithFixedTcpEndpoint(PostgresServerResource.EndpointName, port)
            .WithArgs(context =>
            {
                context.Args.Add("-c");
                context.Args.Add(Launcher);
                context.Args.Add("postgres-launcher");
                context.Args.Add(Path.Combine(BinDirectory(), "postgres"));
                foreach (var argument in new[]
                {
                    "-D", server.DataDirectory, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "-c", "listen_addresses=127.0.0.1", "-c", $"max_connections={server.MaxConnections}",
                    "-c", "unix_socket_directories=", "-c", "logging_collector=off",
                })
                {
                    context.Args.Add(argument);
                }

                if (!server.Durable)
                {
                    foreach (var setting in new[] { "fsync=off", "synchronous_commit=off", "full_page_writes=off" })
                    {
                        context.Args.Add("-c");
                        context.Args.Add(setting);
                    }
                }
            })
            .WithHealthCheck(healthCheck);
    }

    /// <summary>
    /// Adds database <paramref name="databaseName"/> (default: <paramref name="name"/>) to the server, created when missing and
    /// owned by the role <c>{database}_owner</c> with <paramref name="ownerPassword"/> (see <see cref="PostgresDatabaseResource"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a plain identifier (letters, digits, underscores; at most 57).</exception>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name,
        IResourceBuilder<ParameterResource> ownerPassword, string? databaseName = null)
    {
        databaseName ??= name;
        if (databaseName.Length is 0 or > 57 || !databaseName.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException("Database names here are plain identifiers.", nameof(databaseName));
        }

        var database = new PostgresDatabaseResource(name, databaseName, server.Resource, ownerPassword.Resource);
        // Created once the server is ready (each start: a restored or replaced cluster may lack it); then the database resource
        // runs, and its own health check says when it accepts connections.
        server.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(server.Resource, async (ready, cancellationToken) =>
        {
            var admin = await AdminConnectionStringAsync(server.Resource, "postgres", cancellationToken);
            await CreateDatabaseAsync(admin, databaseName, cancellationToken);
            await EnsureOwnerAsync(admin, database, await database.OwnerPassword.GetValueAsync(cancellationToken) ?? "", cancellationToken);
            await ready.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                Properties = [.. snapshot.Properties, new("postgres.database", databaseName)],
            });
        });
        var healthCheck = $"{name}-database";
        server.ApplicationBuilder.Services.AddHealthChecks().AddAsyncCheck(healthCheck,
            cancellationToken => AcceptsConnectionsAsync(server.Resource, databaseName, cancellationToken));
        return server.ApplicationBuilder.AddResource(database).WithHealthCheck(healthCheck);
    }

    /// <summary>
    /// Creates database <paramref name="name"/> if missing through the superuser connection string <paramref name="admin"/>.
    /// </summary>
    /// <exception cref="NpgsqlException">The server does not answer.</exception>
    public static async Task CreateDatabaseAsync(string admin, string name, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = name } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Makes <see cref="PostgresDatabaseResource.OwnerName"/> a login role with <paramref name="password"/> (no superuser, no
    /// CREATEDB, no CREATEROLE), the owner of the database and of every table and function in its <c>public</c> schema (a data
    /// folder of an earlier version has them owned by <c>postgres</c>), and the only role besides superusers that may connect.
    /// Idempotent: it runs at every start.
    /// </summary>
    private static async Task EnsureOwnerAsync(string admin, PostgresDatabaseResource database, string password, CancellationToken cancellationToken)
    {
        if (password.Length == 0 || !password.All(char.IsAsciiLetterOrDigit))
        {
            throw new InvalidOperationException("The database password is generated as hex; edit secrets.json back or delete it.");
        }

        var (role, name) = (database.OwnerName, database.DatabaseName); // plain identifiers (checked in AddDatabase)
        await ExecuteAsync(admin, $$"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{{role}}') THEN CREATE ROLE "{{role}}" LOGIN; END IF;
            END $$;
            ALTER ROLE "{{role}}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{{password}}';
            ALTER DATABASE "{{name}}" OWNER TO "{{role}}";
            REVOKE ALL ON DATABASE "{{name}}" FROM PUBLIC;
            """, cancellationToken);
        await ExecuteAsync(new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString, $$"""
            DO $$ DECLARE statement text; BEGIN
              FOR statement IN
                SELECT format('ALTER TABLE public.%I OWNER TO %I', tablename, '{{role}}') FROM pg_tables
                WHERE schemaname = 'public' AND tableowner <> '{{role}}'
                UNION ALL
                SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, '{{role}}') FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '{{role}}'
              LOOP EXECUTE statement; END LOOP;
            END $$;
            """, cancellationToken);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // Health: the server accepts a connection of its superuser to database (the resources' WaitFor waits for it).
    private static async Task<HealthCheckResult> AcceptsConnectionsAsync(PostgresServerResource server, string database, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(await AdminConnectionStringAsync(server, database, cancellationToken));
            await connection.OpenAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }

    // Unpooled: a pooled connection may belong to an earlier start of the same server (a restart after a crash).
    private static async Task<string> AdminConnectionStringAsync(PostgresServerResource server, string database, CancellationToken cancellationToken) =>
        new NpgsqlConnectionStringBuilder(await server.ConnectionStringExpression.GetValueAsync(cancellationToken))
        {
            Database = database,
            Pooling = false,
            Timeout = 3,
        }.ConnectionString;

    private static async Task InitializeClusterAsync(PostgresServerResource server, string password, CancellationToken cancellationToken)
    {
        var folder = server.DataDirectory;
        Directory.CreateDirectory(folder);
        var root = Environment.UserName == "root";
        if (root)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", folder], null, cancellationToken);
        }

        await RunAsync("chmod", ["700", folder], root ? "postgres" : null, cancellationToken);
        if (File.Exists(Path.Combine(folder, "PG_VERSION")))
        {
            return;
        }

        var passwordFile = Path.Combine(Path.GetTempPath(), $"ticketing-pg-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        try
        {
            if (root)
            {
                await RunAsync("chown", ["postgres", passwordFile], null, cancellationToken);
            }

            await RunAsync(Path.Combine(BinDirectory(), "initdb"),
                ["-D", folder, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8"],
                root ? "postgres" : null, cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    // Postgres's folder: {data}/postgres when the postgres OS user can pass through the folders above it, else under /var/tmp.
    private static string PostgresFolder(string dataDirectory)
    {
        var folder = Path.Combine(dataDirectory, "postgres");
        if (Environment.UserName != "root" || Reachable(dataDirectory))
        {
            return folder;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..12];
        var fallback = Path.Combine("/var/tmp", $"ticketing-{hash}", "postgres");
        Console.WriteLine($"The postgres OS user cannot reach {dataDirectory}; keeping Postgres data in {fallback} instead.");
        return fallback;
    }

    private static bool Reachable(string directory)
    {
        using var test = Process.Start(new ProcessStartInfo("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", "test", "-x", directory]))!;
        test.WaitForExit();
        return test.ExitCode == 0;
    }

    private static async Task RunAsync(string file, IEnumerable<string> arguments, string? asUser, CancellationToken cancellationToken)
    {
        var start = asUser is null
            ? new ProcessStartInfo(file, arguments)
            : new ProcessStartInfo("setpriv", new[] { $"--reuid={asUser}", $"--regid={asUser}", "--init-groups", "--", file }.Concat(arguments));
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed with exit code {process.ExitCode}: {await error}{await output}");
        }
    }

    private static string BinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException("No Postgres server binaries under /usr/lib/postgresql; run scripts/setup.sh (apt install postgresql).");
    }
}
