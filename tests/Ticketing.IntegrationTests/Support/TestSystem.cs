using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ticketing.AppHost.Hosting;

namespace Ticketing.IntegrationTests.Support;

/// <summary>
/// One running copy of the system under test, started from the AppHost's own model (<c>src/Ticketing.AppHost/Program.cs</c>) by
/// Aspire.Hosting.Testing's <see cref="DistributedApplicationTestingBuilder"/>: the same resources, references and waits as
/// <c>./run.sh</c>, on DCP, with no dashboard, free ports, restarts off, a data folder of its own, throw-away Postgres storage
/// (fsync off) and the test run's settings, given as the AppHost's own settings (its command line). Each system has its own
/// Redis, dev broker (the model's topic, 8 partitions) and signing key; systems after the first use the first one's Postgres
/// server as an outside server (<c>ConnectionStrings__postgres</c>), with a database each.
/// </summary>
public sealed class TestSystem : IAsyncDisposable
{
    private readonly DistributedApplication _app;
    private readonly string _dataDirectory;

    private TestSystem(string name, DistributedApplication app, string dataDirectory, string postgres, string? postgresServer, string redis, string kafka, bool withWeb)
    {
        Name = name;
        _app = app;
        _dataDirectory = dataDirectory;
        Postgres = postgres;
        PostgresServer = postgresServer;
        Redis = redis;
        Kafka = kafka;
        SigningKey = AppSecrets.LoadOrCreate(dataDirectory).SigningKey;
        ApiUrl = app.GetEndpoint("api", "http");
        WebUrl = withWeb ? app.GetEndpoint("web", "http") : null;
        Driver = new ApiDriver(ApiUrl);
    }

    /// <summary>
    /// Where the systems' logs of this run go (one file per system, each line <c>[resource] text</c>): <c>logs/last-run</c> next to
    /// the test assembly, kept after the run (each run replaces it) so a failure can be read afterwards.
    /// </summary>
    /// <summary>
    /// The names every test system makes organisers (<c>Ticketing__Organisers__Names</c>); <see cref="ApiDriver.OrganiserAsync"/> signs
    /// one of them up, or in when a test before it already did.
    /// </summary>
    public static readonly IReadOnlyList<string> OrganiserNames = ["organiser-a", "organiser-b", "organiser-c", "web-organiser"];

    public static string LogDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "logs", "last-run");

    // The data folders of this test run (deleted at the end); under the temp folder, which the postgres OS user can enter.
    internal static string RunDirectory { get; } = Path.Combine(Path.GetTempPath(), $"ticketing-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);

    public string Name { get; }

    /// <summary>The running app (Aspire.Hosting.Testing's), for the resource states, commands and logs a test looks at.</summary>
    public DistributedApplication App => _app;

    /// <summary>Connection string of this system's database.</summary>
    public string Postgres { get; }

    /// <summary>Superuser connection string of this system's own Postgres server; null when it uses another system's.</summary>
    public string? PostgresServer { get; }

    /// <summary>Connection string of this system's Redis (with its password).</summary>
    public string Redis { get; }

    /// <summary>Bootstrap servers of this system's dev broker.</summary>
    public string Kafka { get; }

    public Uri ApiUrl { get; }

    /// <summary>The Web's address, when the system was started with it.</summary>
    public Uri? WebUrl { get; }

    /// <summary>The system's token signing key (base64), so tests can mint access tokens for users they insert.</summary>
    public string SigningKey { get; }

    public ApiDriver Driver { get; }

    /// <summary>The Aspire dashboard's address, when the system was started with it (its telemetry API is under <c>/api/telemetry</c>).</summary>
    public Uri? DashboardUrl { get; private init; }

    /// <summary>The key of the dashboard's telemetry API (header <c>x-api-key</c>), when the system was started with the dashboard.</summary>
    public string? DashboardApiKey { get; private init; }

    /// <summary>
    /// Starts the AppHost's model as system <paramref name="name"/> with <paramref name="settings"/> (keys such as
    /// <c>Ticketing__Holds__Duration</c>, <c>TICKETING_API_REPLICAS</c> or <c>TICKETING_RESTARTS</c>) over the test run's
    /// defaults (admission every 100 ms, no dev catalog, restarts off). Without <paramref name="postgresOf"/> it starts its own
    /// Postgres; with it, it uses a new database on that system's server. The Web is left out unless <paramref name="withWeb"/>, the
    /// Aspire dashboard (and the services' OTLP export to it) unless <paramref name="withDashboard"/>.
    /// Returns once the Api, the QueueWorker (and the Web) are healthy.
    /// </summary>
    /// <exception cref="InvalidOperationException">A resource did not start (its log is in <see cref="LogDirectory"/>).</exception>
    public static async Task<TestSystem> StartAsync(string name, IReadOnlyDictionary<string, string>? settings = null,
        TestSystem? postgresOf = null, bool withWeb = false, Action<IDistributedApplicationTestingBuilder>? configure = null,
        bool withDashboard = false)
    {
        Directory.CreateDirectory(LogDirectory);
        var dataDirectory = Path.Combine(RunDirectory, name);
        var outsidePostgres = postgresOf is null ? null
            : await postgresOf.CreateDatabaseAsync($"ticketing_{name.Replace('-', '_')}") + ";Maximum Pool Size=40";
        var configuration = new Dictionary<string, string?>
        {
            ["TICKETING_DATA_DIR"] = dataDirectory,
            ["TICKETING_RESTARTS"] = "off",
            ["TICKETING_POSTGRES_PORT"] = FreePort.Next().ToString(),
            ["TICKETING_REDIS_PORT"] = FreePort.Next().ToString(),
            ["TICKETING_KAFKA_PORT"] = FreePort.Next().ToString(),
            ["TICKETING_API_PORT"] = FreePort.Next().ToString(), // a single instance listens on its port itself (no DCP proxy)
            ["TICKETING_QUEUEWORKER_PORT"] = FreePort.Next().ToString(),
            ["TICKETING_WEB_PORT"] = FreePort.Next().ToString(),
            ["ConnectionStrings__postgres"] = outsidePostgres,
            ["Ticketing__Queue__AdmissionInterval"] = "00:00:00.100",
            // The QueueWorker's empty fetches come back after 100 ms rather than the product's 10 ms: a join waits at most that
            // long to be read (the admission step runs every 100 ms here anyway), and an idle system's worker and dev broker
            // stop trading a hundred empty fetches a second (~5% of a core per system; about twenty systems run in the suite).
            ["Kafka__Consumer__fetch.wait.max.ms"] = "100",
            ["Ticketing__Catalog__SeedDevData"] = "false", // tests create the concerts they use
            ["Ticketing__Organisers__Names"] = string.Join(",", OrganiserNames),
            // The whole suite signs up and signs in hundreds of users from 127.0.0.1: one address, as no person is. The per-address
            // rules of those two routes are lifted here (LimitsTests puts them back); every other limit keeps its default, and the
            // journey and browser tests never reach one.
            ["Ticketing__RateLimits__SignUp__Burst"] = "1000000",
            ["Ticketing__RateLimits__SignUp__PerSecond"] = "1000000",
            ["Ticketing__RateLimits__SignIn__Burst"] = "1000000",
            ["Ticketing__RateLimits__SignIn__PerSecond"] = "1000000",
            ["Ticketing__Challenge__Enabled"] = "false", // tests sign up and join freely; Api/ChallengeTests turn it on
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            configuration[key] = value;
        }

        // The AppHost's command line, as `dotnet run -- Key=Value` would give it (configuration keys use ':').
        string[] args = [.. configuration.Where(c => c.Value is not null).Select(c => $"{c.Key.Replace("__", ":")}={c.Value}")];
        var dashboardApiKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        if (withDashboard)
        {
            args = [.. args, $"AppHost:DashboardApiKey={dashboardApiKey}"]; // the key of the dashboard's telemetry API (x-api-key)
        }

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Ticketing_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = withDashboard }, args);
        builder.Services.AddLogging(logging => logging.AddProvider(new FileLoggerProvider(Path.Combine(LogDirectory, $"{name}.log"))));
        if (!withWeb)
        {
            builder.Resources.Remove(builder.Resources.Single(r => r.Name == "web"));
        }

        foreach (var server in builder.Resources.OfType<PostgresServerResource>())
        {
            server.Durable = false;
            server.MaxConnections = 500; // every system of the run shares this server
        }

        foreach (var redis in builder.Resources.OfType<RedisServerResource>())
        {
            redis.Durable = false;
        }

        if (postgresOf is null)
        {
            // Several systems share this server: each Api keeps its pool small enough that all fit under max_connections.
            var database = builder.Resources.OfType<PostgresDatabaseResource>().Single();
            builder.CreateResourceBuilder<ProjectResource>("api").WithEnvironment(async context =>
                context.EnvironmentVariables["ConnectionStrings__postgres"] =
                    await database.ConnectionStringExpression.GetValueAsync(context.CancellationToken) + ";Maximum Pool Size=40");
        }

        if (!withDashboard)
        {
            // Nothing receives telemetry: the services export none (Aspire sets the endpoint on every project; this runs after).
            foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
            {
                builder.CreateResourceBuilder(project).WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
            }
        }

        configure?.Invoke(builder);
        var app = await builder.BuildAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await app.StartAsync(timeout.Token);
            foreach (var service in withWeb ? new[] { "queueworker", "api", "web" } : ["queueworker", "api"])
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(service, timeout.Token);
            }

            var dashboard = withDashboard ? await app.GetDashboardUrlAsync(timeout.Token) : null;
            return new TestSystem(name, app, dataDirectory,
                outsidePostgres ?? (await app.GetConnectionStringAsync("ticketing"))!,
                outsidePostgres is null ? await app.GetConnectionStringAsync("postgres") : null,
                (await app.GetConnectionStringAsync("redis"))!,
                (await app.GetConnectionStringAsync("kafka"))!,
                withWeb)
            {
                DashboardUrl = dashboard is null ? null : new Uri(dashboard.GetLeftPart(UriPartial.Authority)),
                DashboardApiKey = withDashboard ? dashboardApiKey : null,
            };
        }
        catch (Exception ex)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"Test system {name} did not start; its log is {Path.Combine(LogDirectory, $"{name}.log")}.", ex);
        }
    }

    /// <summary>Creates database <paramref name="name"/> on this system's own Postgres server; returns its connection string.</summary>
    /// <exception cref="InvalidOperationException">This system uses another system's server.</exception>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        var server = PostgresServer ?? throw new InvalidOperationException($"System {Name} has no Postgres server of its own.");
        await PostgresResourceExtensions.CreateDatabaseAsync(server, name);
        return new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>A line logger that appends to <paramref name="path"/> (thread-safe).</summary>
    public static Action<string> Log(string path)
    {
        var writer = new StreamWriter(path, append: true) { AutoFlush = true };
        var gate = new object();
        return line =>
        {
            lock (gate)
            {
                writer.WriteLine(line);
            }
        };
    }

    /// <summary>
    /// <paramref name="count"/> users inserted straight into Postgres with access tokens signed by the system's key — for
    /// crowd tests, where thousands of real sign-ups would spend minutes in PBKDF2. The Api validates these tokens like
    /// any other; the users cannot sign in with a password.
    /// </summary>
    public async Task<TestUser[]> CreateUsersAsync(int count)
    {
        var users = Enumerable.Range(0, count).Select(_ => (Id: Guid.NewGuid(), Name: ApiDriver.UniqueName("crowd"))).ToArray();
        await using (var connection = new Npgsql.NpgsqlConnection(Postgres))
        {
            await connection.OpenAsync();
            await using var writer = await connection.BeginBinaryImportAsync("COPY users (id, name, password_hash) FROM STDIN (FORMAT BINARY)");
            foreach (var (id, name) in users)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(id);
                await writer.WriteAsync(name);
                await writer.WriteAsync("!no-password");
            }

            await writer.CompleteAsync();
        }

        var now = DateTime.UtcNow;
        return [.. users.Select(u => new TestUser(u.Id, u.Name, "", TestTokens.Sign("ticketing-access",
            new Dictionary<string, object> { ["sub"] = u.Id.ToString(), ["name"] = u.Name }, SigningKey, now, now.AddHours(1))))];
    }

    /// <summary>Stops the system's resources and deletes its data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        Driver.Dispose();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the OS temp cleaner; never fail a run over it.
        }
    }
}

/// <summary>
/// The assembly fixture: the default system every test class shares (tests keep apart by creating their own concerts and
/// users), with the Web, plus named systems with other settings, started on first use on the default system's Postgres.
/// </summary>
public sealed class DefaultSystem : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TestSystem>>> _custom = new();
    private TestSystem? _system;
    private int _nextRedisDatabase;

    public TestSystem System => _system ?? throw new InvalidOperationException("Not started.");

    public ApiDriver Driver => System.Driver;

    /// <summary>Connection string of the default system's database.</summary>
    public string Postgres => System.Postgres;

    public async ValueTask InitializeAsync()
    {
        if (Directory.Exists(TestSystem.LogDirectory))
        {
            Directory.Delete(TestSystem.LogDirectory, recursive: true);
        }

        _system = await TestSystem.StartAsync("default", withWeb: true);
    }

    /// <summary>The Web in front of the default system's Api.</summary>
    public Task<Uri> WebAsync() => Task.FromResult(System.WebUrl!);

    /// <summary>
    /// A shared system with rate limits off, for tests in which one user fires many requests at once on purpose (concurrency
    /// correctness, not limits: LimitsTests covers those).
    /// </summary>
    public Task<TestSystem> UnlimitedAsync() => CustomAsync("unlimited", RateLimitsOff);

    /// <summary>The setting that switches the Api's rate limits off.</summary>
    public static readonly IReadOnlyDictionary<string, string> RateLimitsOff = new Dictionary<string, string> { ["Ticketing__RateLimits__Enabled"] = "false" };

    /// <summary>The system named <paramref name="name"/> with <paramref name="settings"/>, started once and shared by its callers.</summary>
    public Task<TestSystem> CustomAsync(string name, IReadOnlyDictionary<string, string> settings, bool withWeb = false) =>
        _custom.GetOrAdd(name, n => new Lazy<Task<TestSystem>>(() => StartSystemAsync(n, settings, withWeb))).Value;

    /// <summary>A new system of the caller's (dispose it), on the default system's Postgres; with a Web if <paramref name="withWeb"/>.</summary>
    public Task<TestSystem> StartSystemAsync(string name, IReadOnlyDictionary<string, string>? settings = null, bool withWeb = false,
        bool withDashboard = false) =>
        TestSystem.StartAsync(name, settings, postgresOf: System, withWeb: withWeb, withDashboard: withDashboard);

    /// <summary>Creates database <paramref name="name"/> on the default system's Postgres server; returns its connection string.</summary>
    public Task<string> CreateDatabaseAsync(string name) => System.CreateDatabaseAsync(name);

    /// <summary>
    /// The default system's Redis with a database index of the caller's own (1-15; the system uses 0), for a process of the test's
    /// that needs an outside Redis.
    /// </summary>
    /// <exception cref="InvalidOperationException">All 15 spare databases are taken.</exception>
    public string SpareRedisDatabase() => Interlocked.Increment(ref _nextRedisDatabase) is var next and <= 15
        ? $"{System.Redis},defaultDatabase={next}"
        : throw new InvalidOperationException("Redis has 16 databases (0-15); every caller takes one of 1-15.");

    /// <summary>
    /// Stops every system of <see cref="CustomAsync"/> started so far (each once); a later <see cref="CustomAsync"/> starts its
    /// system afresh. Only for when no test is using them (<see cref="QuietMachine"/>).
    /// </summary>
    public async ValueTask StopCustomSystemsAsync()
    {
        foreach (var name in _custom.Keys)
        {
            if (_custom.TryRemove(name, out var custom) && custom.IsValueCreated)
            {
                try
                {
                    await (await custom.Value).DisposeAsync();
                }
                catch (Exception)
                {
                    // It failed to start; the test that asked for it already reported that.
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopCustomSystemsAsync();
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }

        try
        {
            Directory.Delete(TestSystem.RunDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the OS temp cleaner.
        }
    }
}
