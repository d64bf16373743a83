using System.Collections.Concurrent;
using System.Security.Cryptography;
using Ticketing.Hosting;

namespace Ticketing.IntegrationTests.Support;

/// <summary>
/// The real servers of one test run, started by the AppHost's own hosting code: a throw-away Postgres
/// (fsync off, data in a temp folder), a Redis without persistence and the librdkafka mock Kafka cluster.
/// Each <see cref="TestSystem"/> gets its own database, Redis database index, topic and consumer group.
/// </summary>
public sealed class TestServers : IAsyncDisposable
{
    private readonly string _root;
    private int _nextRedisDatabase;

    private TestServers(string root, PostgresServer postgres, RedisServer redis, KafkaMockCluster kafka)
    {
        _root = root;
        Postgres = postgres;
        Redis = redis;
        Kafka = kafka;
    }

    public PostgresServer Postgres { get; }

    public RedisServer Redis { get; }

    public KafkaMockCluster Kafka { get; }

    /// <summary>
    /// Where the services' logs of this run go (one file per system and service): <c>logs/last-run</c> next to the test
    /// assembly, kept after the run (each run replaces it) so a failure can be read afterwards.
    /// </summary>
    public static string LogDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "logs", "last-run");

    public static async Task<TestServers> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"ticketing-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        if (Directory.Exists(LogDirectory))
        {
            Directory.Delete(LogDirectory, recursive: true);
        }

        Directory.CreateDirectory(LogDirectory);
        Directory.CreateDirectory(root);
        var log = Log(Path.Combine(LogDirectory, "servers.log"));
        var postgres = await PostgresServer.StartAsync(
            new PostgresServerOptions(Path.Combine(root, "postgres"), FreePort.Next(), Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), MaxConnections: 500, Durable: false), log);
        var redis = await RedisServer.StartAsync(new RedisServerOptions(null, FreePort.Next()), log);
        var kafka = KafkaMockCluster.Start();
        return new TestServers(root, postgres, redis, kafka);
    }

    /// <summary>The next unused Redis database index (Redis has 16; each test system takes one).</summary>
    /// <exception cref="InvalidOperationException">All 15 spare databases are taken (give a new system fewer siblings, or raise Redis's <c>databases</c>).</exception>
    public int NextRedisDatabase() => Interlocked.Increment(ref _nextRedisDatabase) is var next and <= 15
        ? next
        : throw new InvalidOperationException("Redis has 16 databases (0-15); every test system takes one of 1-15.");

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

    public async ValueTask DisposeAsync()
    {
        Kafka.Dispose();
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner; never fail a run over it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// One running copy of the system under test: a real Api and a real QueueWorker process on free ports,
/// with their own database, Redis database, joins topic, consumer group and signing key.
/// </summary>
public sealed class TestSystem : IAsyncDisposable
{
    private readonly ServiceProcess _api;
    private readonly ServiceProcess _worker;

    private TestSystem(string name, string postgres, string redis, string signingKey, Uri apiUrl, ServiceProcess api, ServiceProcess worker)
    {
        Name = name;
        SigningKey = signingKey;
        Postgres = postgres;
        Redis = redis;
        ApiUrl = apiUrl;
        _api = api;
        _worker = worker;
        Driver = new ApiDriver(apiUrl);
    }

    public string Name { get; }

    /// <summary>Connection string of this system's database.</summary>
    public string Postgres { get; }

    /// <summary>Connection string of this system's Redis database.</summary>
    public string Redis { get; }

    public Uri ApiUrl { get; }

    /// <summary>The system's token signing key (base64), so tests can mint access tokens for users they insert.</summary>
    public string SigningKey { get; }

    public ApiDriver Driver { get; }

    /// <summary>
    /// Starts Api then QueueWorker with <paramref name="settings"/> (configuration keys such as
    /// <c>Ticketing__Holds__Duration</c>) over the defaults of the test run (admission every 100 ms).
    /// </summary>
    public static async Task<TestSystem> StartAsync(TestServers servers, string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        // Several systems share one test Postgres: each Api keeps its pool small enough that all fit under max_connections.
        var postgres = await servers.Postgres.CreateDatabaseAsync($"ticketing_{name.Replace('-', '_')}") + ";Maximum Pool Size=40";
        var redis = $"{servers.Redis.ConnectionString},defaultDatabase={servers.NextRedisDatabase()}";
        var topic = $"joins-{name}";
        var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        servers.Kafka.CreateTopic(topic, 8); // as the AppHost declares queue.joins

        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__postgres"] = postgres,
            ["ConnectionStrings__redis"] = redis,
            ["ConnectionStrings__kafka"] = servers.Kafka.BootstrapServers,
            ["Ticketing__Auth__SigningKey"] = signingKey,
            ["Ticketing__Queue__JoinsTopic"] = topic,
            ["Ticketing__Queue__ConsumerGroup"] = $"worker-{name}",
            ["Ticketing__Queue__AdmissionInterval"] = "00:00:00.100",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var apiUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var api = ServiceProcess.Start($"{name}-api", ProjectPaths.ServiceDll("Ticketing.Api", null),
            new Dictionary<string, string?>(environment) { ["ASPNETCORE_URLS"] = apiUrl.ToString(), ["OTEL_SERVICE_NAME"] = "api" },
            TestServers.Log(Path.Combine(TestServers.LogDirectory, $"{name}-api.log")));
        ServiceProcess? worker = null;
        try
        {
            await api.WaitHealthyAsync(apiUrl, TimeSpan.FromSeconds(60));
            var workerUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}");
            worker = ServiceProcess.Start($"{name}-queueworker", ProjectPaths.ServiceDll("Ticketing.QueueWorker", null),
                new Dictionary<string, string?>(environment) { ["ASPNETCORE_URLS"] = workerUrl.ToString(), ["OTEL_SERVICE_NAME"] = "queueworker" },
                TestServers.Log(Path.Combine(TestServers.LogDirectory, $"{name}-queueworker.log")));
            await worker.WaitHealthyAsync(workerUrl, TimeSpan.FromSeconds(60));
        }
        catch
        {
            if (worker is not null)
            {
                await worker.DisposeAsync();
            }

            await api.DisposeAsync();
            throw;
        }

        return new TestSystem(name, postgres, redis, signingKey, apiUrl, api, worker);
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

        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var key = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Convert.FromBase64String(SigningKey));
        var now = DateTime.UtcNow;
        return users.Select(u => new TestUser(u.Id, u.Name, "", handler.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "ticketing-api",
            Audience = "ticketing-access",
            Claims = new Dictionary<string, object> { ["sub"] = u.Id.ToString(), ["name"] = u.Name },
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(key, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        }))).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        Driver.Dispose();
        await _worker.DisposeAsync();
        await _api.DisposeAsync();
    }
}

/// <summary>
/// The assembly fixture: the servers and the default system every test class shares (tests keep apart by
/// creating their own concerts and users), plus named systems with other settings, started on first use.
/// </summary>
public sealed class DefaultSystem : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TestSystem>>> _custom = new();
    private TestServers? _servers;
    private TestSystem? _system;
    private readonly Lazy<Task<Uri>> _web;
    private ServiceProcess? _webProcess;

    public DefaultSystem() => _web = new Lazy<Task<Uri>>(StartWebAsync);

    public TestServers Servers => _servers ?? throw new InvalidOperationException("Not started.");

    public TestSystem System => _system ?? throw new InvalidOperationException("Not started.");

    public ApiDriver Driver => System.Driver;

    /// <summary>Connection string of the default system's database.</summary>
    public string Postgres => System.Postgres;

    public async ValueTask InitializeAsync()
    {
        _servers = await TestServers.StartAsync();
        _system = await TestSystem.StartAsync(_servers, "default");
    }

    /// <summary>A Web process in front of the default system's Api, started on first use.</summary>
    public Task<Uri> WebAsync() => _web.Value;

    /// <summary>The system named <paramref name="name"/> with <paramref name="settings"/>, started once and shared by its callers.</summary>
    public Task<TestSystem> CustomAsync(string name, IReadOnlyDictionary<string, string> settings) =>
        _custom.GetOrAdd(name, n => new Lazy<Task<TestSystem>>(() => TestSystem.StartAsync(Servers, n, settings))).Value;

    private async Task<Uri> StartWebAsync()
    {
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        _webProcess = ServiceProcess.Start("web", ProjectPaths.ServiceDll("Ticketing.Web", null), new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = url.ToString(),
            ["services__api__http__0"] = System.ApiUrl.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        }, TestServers.Log(Path.Combine(TestServers.LogDirectory, "default-web.log")));
        await _webProcess.WaitHealthyAsync(url, TimeSpan.FromSeconds(60));
        return url;
    }

    public async ValueTask DisposeAsync()
    {
        if (_webProcess is not null)
        {
            await _webProcess.DisposeAsync();
        }

        foreach (var custom in _custom.Values.Where(c => c.IsValueCreated))
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

        if (_system is not null)
        {
            await _system.DisposeAsync();
        }

        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }
    }
}
