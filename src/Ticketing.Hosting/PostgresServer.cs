using Npgsql;

namespace Ticketing.Hosting;

/// <summary>Where and how to run a Postgres server.</summary>
/// <param name="DataDirectory">The cluster's folder; created with <c>initdb</c> when empty.</param>
/// <param name="Port">TCP port on 127.0.0.1.</param>
/// <param name="Password">Password of the <c>postgres</c> superuser (SCRAM-SHA-256).</param>
/// <param name="Database">Database created when missing.</param>
/// <param name="MaxConnections">Server <c>max_connections</c> (each service's pool takes up to 100).</param>
/// <param name="Durable">False for throw-away test servers: <c>fsync</c>, <c>synchronous_commit</c> and <c>full_page_writes</c> off.</param>
public sealed record PostgresServerOptions(string DataDirectory, int Port, string Password, string Database = "ticketing", int MaxConnections = 300, bool Durable = true);

/// <summary>
/// A PostgreSQL server from Debian's binaries (<c>/usr/lib/postgresql/&lt;version&gt;/bin</c>), run as a child
/// process. As root, the server runs as the <c>postgres</c> OS user (Postgres refuses to run as root).
/// </summary>
public sealed class PostgresServer : ISupervisedProcess
{
    private const string OsUser = "postgres";
    private readonly System.Diagnostics.Process _process;
    private readonly PostgresServerOptions _options;

    private PostgresServer(System.Diagnostics.Process process, PostgresServerOptions options)
    {
        _process = process;
        _options = options;
        ConnectionString = ConnectionStringFor(options.Database);
    }

    /// <summary>
    /// <c>Host=127.0.0.1;Port=…;Username=postgres;Password=…;Database=…</c>: the connection string of <paramref name="database"/> on
    /// the server of <paramref name="port"/> (the same for every start of the server).
    /// </summary>
    public static string ConnectionStringOf(int port, string password, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = "postgres",
        Password = password,
        Database = database,
    }.ConnectionString;

    /// <summary><c>Host=127.0.0.1;Port=…;Username=postgres;Password=…;Database=…</c> of the main database.</summary>
    public string ConnectionString { get; }

    /// <summary>The server process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Completes when the server process ends.</summary>
    public Task Exited => _process.WaitForExitAsync();

    /// <summary>The server's exit code once <see cref="Exited"/> (128 + n when killed by signal n).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Initializes the cluster if needed, starts the server and waits (up to 60 s) until it accepts
    /// connections, then creates <see cref="PostgresServerOptions.Database"/> if missing.
    /// </summary>
    /// <exception cref="InvalidOperationException">No Postgres binaries, <c>initdb</c> failed, or the server did not come up.</exception>
    public static async Task<PostgresServer> StartAsync(PostgresServerOptions options, Action<string> log, CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory();
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var runAs = NativeProcess.IsRoot ? OsUser : null;
        if (runAs is not null)
        {
            await NativeProcess.RunAsync("chown", ["-R", $"{OsUser}:{OsUser}", dataDirectory], log, cancellationToken: cancellationToken);
            await NativeProcess.RunAsync("chmod", ["700", dataDirectory], log, cancellationToken: cancellationToken);
            try
            {
                // The folders above the data directory must let the postgres user through (a checkout under /root does not).
                await NativeProcess.RunAsync("test", ["-w", dataDirectory], _ => { }, runAs, cancellationToken);
            }
            catch (InvalidOperationException)
            {
                throw new InvalidOperationException(
                    $"The '{OsUser}' OS user cannot reach {dataDirectory} (a folder above it is closed to other users). " +
                    "Set TICKETING_DATA_DIR to a folder it can reach, e.g. TICKETING_DATA_DIR=/var/tmp/ticketing-data.");
            }
        }

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            var passwordFile = Path.Combine(Path.GetTempPath(), $"ticketing-pg-{Guid.NewGuid():N}");
            await File.WriteAllTextAsync(passwordFile, options.Password, cancellationToken);
            try
            {
                if (runAs is not null)
                {
                    await NativeProcess.RunAsync("chown", [OsUser, passwordFile], log, cancellationToken: cancellationToken);
                }

                log($"initdb {dataDirectory}");
                await NativeProcess.RunAsync(Path.Combine(bin, "initdb"),
                    ["-D", dataDirectory, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8"],
                    _ => { }, runAs, cancellationToken);
            }
            finally
            {
                File.Delete(passwordFile);
            }
        }

        // A server killed without a clean stop leaves postmaster.pid behind; Postgres itself checks whether
        // that pid is still a postmaster and refuses to start only if it is.
        var arguments = new List<string>
        {
            "-D", dataDirectory, "-p", options.Port.ToString(), "-c", "listen_addresses=127.0.0.1",
            "-c", $"max_connections={options.MaxConnections}", "-c", "unix_socket_directories=", "-c", "logging_collector=off",
        };
        if (!options.Durable)
        {
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        var process = NativeProcess.Start(Path.Combine(bin, "postgres"), arguments, log, runAs: runAs, parentDeathSignal: NativeProcess.SigInt);
        var server = new PostgresServer(process, options);
        try
        {
            await server.WaitReadyAsync(TimeSpan.FromSeconds(60), cancellationToken);
            await server.CreateDatabaseAsync(options.Database, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>
    /// True when the OS user the server runs as (<c>postgres</c> when we are root, else ourselves) can reach
    /// <paramref name="directory"/>'s parent folders: a checkout under <c>/root</c>, for one, is closed to it.
    /// </summary>
    public static async Task<bool> IsReachableAsync(string directory)
    {
        if (!NativeProcess.IsRoot)
        {
            return true;
        }

        var parent = Path.GetDirectoryName(Path.GetFullPath(directory)) ?? "/";
        Directory.CreateDirectory(parent);
        try
        {
            await NativeProcess.RunAsync("test", ["-x", parent], _ => { }, OsUser);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Creates database <paramref name="name"/> (letters, digits, underscores) if missing and returns its connection string.</summary>
    /// <exception cref="ArgumentException">The name is not a plain identifier.</exception>
    public Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        CreateDatabaseAsync(_options.Port, _options.Password, name, cancellationToken);

    /// <summary>
    /// Creates database <paramref name="name"/> (letters, digits, underscores) on the server at 127.0.0.1:<paramref name="port"/>
    /// if missing and returns its connection string.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a plain identifier.</exception>
    /// <exception cref="NpgsqlException">The server does not answer.</exception>
    public static async Task<string> CreateDatabaseAsync(int port, string password, string name, CancellationToken cancellationToken = default)
    {
        if (name.Length is 0 or > 63 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException("Database names here are plain identifiers.", nameof(name));
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString(port, password));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = name } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        return ConnectionStringOf(port, password, name);
    }

    /// <summary>Fast shutdown (SIGINT: roll back open transactions, checkpoint), waiting up to 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        await NativeProcess.StopAsync(_process, NativeProcess.SigInt, TimeSpan.FromSeconds(30));
        _process.Dispose();
    }

    private string ConnectionStringFor(string database) => ConnectionStringOf(_options.Port, _options.Password, database);

    // The server's own checks open unpooled connections: a pooled one may belong to an earlier start of the same server (a
    // restart after a crash), and a query on it never got an answer.
    private string AdminConnectionString() => AdminConnectionString(_options.Port, _options.Password);

    private static string AdminConnectionString(int port, string password) =>
        new NpgsqlConnectionStringBuilder(ConnectionStringOf(port, password, "postgres")) { Pooling = false, Timeout = 5, CommandTimeout = 30 }.ConnectionString;


    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Postgres exited with code {_process.ExitCode} during start-up (see its log lines above).");
            }

            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString());
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static string FindBinDirectory()
    {
        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException("No Postgres server binaries under /usr/lib/postgresql; run scripts/setup.sh (apt install postgresql).");
    }
}
