using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Ticketing.AppHost.Dashboard;
using Ticketing.AppHost.Hosting;

namespace Ticketing.AppHost;

/// <summary>
/// Starts and wires the whole system the way an Aspire AppHost would (ARCHITECTURE.md "Local run without Aspire
/// packages"): Postgres, Redis and the Kafka mock broker, then QueueWorker → Api → Web, each once the previous one
/// is healthy; prints the resources; on Ctrl+C or SIGTERM stops everything in reverse order.
/// </summary>
internal sealed class Orchestrator
{
    private static readonly object ConsoleGate = new();
    private readonly List<Func<Task>> _stops = [];
    private readonly List<Supervisor> _supervisors = [];
    private readonly SupervisorOptions _restarts = SupervisorOptions.FromEnvironment();
    private readonly TelemetryStore _telemetry = new();
    private readonly ResourceBoard _board = new();
    private Uri? _otlpEndpoint;
    private PidFiles? _pids;
    private string? _brokerEpoch;

    public async Task<int> RunAsync()
    {
        using var shutdown = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var exitCode = 0;
        try
        {
            await StartAsync(shutdown.Token);
            PrintResources();
            Write("apphost", "Running. Press Ctrl+C to stop everything.");
            // Each resource is supervised (restarted after an unexpected exit); the run stops when one will not run again.
            List<Task<string>> failures;
            lock (_supervisors)
            {
                failures = [.. _supervisors.Select(s => s.Failed)];
            }

            await Task.WhenAny(failures.Cast<Task>().Append(Task.Delay(Timeout.Infinite, shutdown.Token)));
            if (failures.FirstOrDefault(f => f.IsCompleted) is not null && !shutdown.IsCancellationRequested)
            {
                exitCode = 1;
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // Ctrl+C during start-up.
        }
        catch (Exception ex)
        {
            Write("apphost", $"!!! Start-up failed: {ex.Message}");
            exitCode = 1;
        }

        Write("apphost", "Stopping in reverse order …");
        var stopFailed = false;
        for (var i = _stops.Count - 1; i >= 0; i--)
        {
            try
            {
                await _stops[i]();
            }
            catch (Exception ex)
            {
                Write("apphost", $"!!! Stop step failed: {ex.Message}");
                exitCode = 1;
                stopFailed = true;
            }
        }

        if (!stopFailed)
        {
            _pids?.Clear(); // otherwise the next run finds what may still be alive, and stops it
        }

        Write("apphost", exitCode == 0 ? "Stopped. No process of the system is left running." : "Stopped after a failure.");
        return exitCode;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we stop ourselves, in order
            if (!shutdown.IsCancellationRequested)
            {
                Write("apphost", $"{context.Signal} received.");
                shutdown.Cancel();
            }
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var dataDirectory = Environment.GetEnvironmentVariable("TICKETING_DATA_DIR") ?? Path.Combine(ProjectPaths.RepositoryRoot, ".data");
        Directory.CreateDirectory(dataDirectory);
        _pids = new PidFiles(Path.Combine(dataDirectory, "run"), line => Write("apphost", line));
        await _pids.StopLeftoversAsync();
        var secrets = await Secrets.LoadOrCreateAsync(Path.Combine(dataDirectory, "secrets.json"));

        var view = await DeveloperView.StartAsync(Port("TICKETING_DASHBOARD_PORT", 18888), _telemetry, _board, cancellationToken);
        AddStop(async () => { Write("apphost", "Stopping the developer view"); await view.DisposeAsync(); });
        var external = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        _otlpEndpoint = string.IsNullOrWhiteSpace(external) ? view.Url : null;
        AddResource(("developer view", "running", string.IsNullOrWhiteSpace(external)
            ? $"{view.Url}  (resources, console logs, traces, structured logs, metrics; OTLP/HTTP receiver)"
            : $"{view.Url}  (resources and console logs; telemetry goes to {external})"));

        // Postgres, Redis and Kafka start side by side; an outside connection string means "use that one".
        var postgres = Task.Run(() => StartPostgresAsync(dataDirectory, secrets, cancellationToken), cancellationToken);
        var redis = Task.Run(() => StartRedisAsync(dataDirectory, cancellationToken), cancellationToken);
        var kafka = StartKafka();
        // Both finish (and register their stop) before a failure of either is thrown, so nothing is left behind.
        await Task.WhenAll(postgres, redis);
        var connections = new Dictionary<string, string?>
        {
            ["ConnectionStrings__postgres"] = await postgres,
            ["ConnectionStrings__redis"] = await redis,
            ["ConnectionStrings__kafka"] = kafka,
            ["Ticketing__Queue__BrokerEpoch"] = _brokerEpoch,
        };

        var apiUrl = Url("TICKETING_API_PORT", 5180);
        var workerUrl = Url("TICKETING_QUEUEWORKER_PORT", 5280);
        var webUrl = Url("TICKETING_WEB_PORT", 5080);
        var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Development";

        // The QueueWorker first: after a restart on the dev broker it puts people back in line before the Api takes new joins.
        await StartServiceAsync("queueworker", "Ticketing.QueueWorker", workerUrl, new(connections)
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
        }, workerUrl.ToString(), cancellationToken);
        await StartServiceAsync("api", "Ticketing.Api", apiUrl, new(connections)
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["Ticketing__Auth__SigningKey"] = Environment.GetEnvironmentVariable("Ticketing__Auth__SigningKey") ?? secrets.SigningKey,
            ["Ticketing__Catalog__SeedDevData"] = Environment.GetEnvironmentVariable("Ticketing__Catalog__SeedDevData") ?? "true",
        }, $"{apiUrl}swagger  ·  {apiUrl}openapi/v1.json", cancellationToken);
        await StartServiceAsync("web", "Ticketing.Web", webUrl, new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["services__api__http__0"] = apiUrl.ToString().TrimEnd('/'),
        }, webUrl.ToString(), cancellationToken);
    }

    private async Task<string> StartPostgresAsync(string dataDirectory, Secrets secrets, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("ConnectionStrings__postgres") is { Length: > 0 } external)
        {
            AddResource(("postgres", "external", Redact(external)));
            return external;
        }

        // Fixed ports stay below Linux's ephemeral range (32768–60999): a port in it can be taken, or held in
        // TIME_WAIT, by any outgoing connection, and the server then fails to bind.
        var port = Port("TICKETING_POSTGRES_PORT", 15432);
        await EnsureFreeAsync("postgres", port, "TICKETING_POSTGRES_PORT", cancellationToken);
        var folder = Path.Combine(dataDirectory, "postgres");
        if (!await PostgresServer.IsReachableAsync(folder))
        {
            // Running as root from a checkout the postgres OS user cannot enter (e.g. under /root): keep its data beside the others' temp data.
            folder = Path.Combine("/var/tmp", $"ticketing-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataDirectory)))[..12]}", "postgres");
            Write("apphost", $"The postgres OS user cannot reach {dataDirectory}; keeping Postgres data in {folder} instead.");
        }

        Write("apphost", $"Starting postgres on 127.0.0.1:{port} (data in {folder}) …");
        var options = new PostgresServerOptions(folder, port, secrets.PostgresPassword);
        AddResource(("postgres", "starting", $"127.0.0.1:{port}  database ticketing, user postgres (password in .data/secrets.json)"));
        await SuperviseAsync("postgres", async ct => await PostgresServer.StartAsync(options, Sink("postgres"), ct), cancellationToken);
        return PostgresServer.ConnectionStringOf(options);
    }

    private async Task<string> StartRedisAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("ConnectionStrings__redis") is { Length: > 0 } external)
        {
            AddResource(("redis", "external", external));
            return external;
        }

        var port = Port("TICKETING_REDIS_PORT", 16379);
        await EnsureFreeAsync("redis", port, "TICKETING_REDIS_PORT", cancellationToken);
        Write("apphost", $"Starting redis on 127.0.0.1:{port} …");
        var options = new RedisServerOptions(Path.Combine(dataDirectory, "redis"), port);
        AddResource(("redis", "starting", $"127.0.0.1:{port}"));
        await SuperviseAsync("redis", async ct => await RedisServer.StartAsync(options, Sink("redis"), ct), cancellationToken);
        return $"127.0.0.1:{port}";
    }

    private string StartKafka()
    {
        if (Environment.GetEnvironmentVariable("ConnectionStrings__kafka") is { Length: > 0 } external)
        {
            AddResource(("kafka", "external", external));
            return external;
        }

        var topic = Environment.GetEnvironmentVariable("Ticketing__Queue__JoinsTopic") ?? "queue.joins";
        var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic(topic, 8);
        // The mock's log lives in memory: a new epoch per start tells the QueueWorker that joins Redis remembers are gone from it.
        _brokerEpoch = Guid.NewGuid().ToString("N");
        AddStop(() => { Write("apphost", "Stopping kafka"); cluster.Dispose(); return Task.CompletedTask; });
        AddResource(("kafka", "running", $"{cluster.BootstrapServers}  (librdkafka mock cluster; topic {topic}, 8 partitions)"));
        Write("apphost", $"Kafka mock cluster at {cluster.BootstrapServers}, topic {topic}");
        return cluster.BootstrapServers;
    }

    private async Task StartServiceAsync(string name, string project, Uri url, Dictionary<string, string?> environment, string shown, CancellationToken cancellationToken)
    {
        environment["ASPNETCORE_URLS"] = url.ToString();
        environment["OTEL_SERVICE_NAME"] = name;
        if (_otlpEndpoint is not null)
        {
            // Aspire's conventions for a local dashboard: OTLP/HTTP, export every second (metrics every 5 s).
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = _otlpEndpoint.ToString().TrimEnd('/');
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_METRIC_EXPORT_INTERVAL"] = "5000";
        }

        environment["DOTNET_ENVIRONMENT"] = environment["ASPNETCORE_ENVIRONMENT"];
        await EnsureFreeAsync(name, url.Port, $"TICKETING_{name.ToUpperInvariant()}_PORT", cancellationToken);
        Write("apphost", $"Starting {name} on {url} …");
        _board.Set(name, "starting", [url.ToString()], new Uri(url, "/health"));
        await SuperviseAsync(name, async ct =>
        {
            var service = ServiceProcess.Start(name, ProjectPaths.ServiceDll(project), environment, Sink(name));
            try
            {
                await service.WaitHealthyAsync(url, TimeSpan.FromSeconds(120), ct);
            }
            catch
            {
                await service.DisposeAsync();
                throw;
            }

            return service;
        }, cancellationToken);
        AddResource((name, "running", shown));
        Write("apphost", $"{name} is healthy");
    }

    /// <summary>
    /// Starts a resource under a <see cref="Supervisor"/>: its pid file follows each (re)start, the developer view shows its
    /// state, restarts and last exit, and it is stopped in reverse start order with the rest.
    /// </summary>
    private async Task SuperviseAsync(string name, Func<CancellationToken, Task<ISupervisedProcess>> start, CancellationToken cancellationToken)
    {
        var supervisor = await Supervisor.StartAsync(name, start, _restarts, line => Write("apphost", line), state =>
        {
            _pids?.Record(name, state.ProcessId);
            _board.SetSupervision(name, state.State, state.Restarts, state.LastExit);
        }, cancellationToken);
        lock (_supervisors)
        {
            _supervisors.Add(supervisor);
        }

        AddStop(async () => { Write("apphost", $"Stopping {name}"); await supervisor.DisposeAsync(); });
    }

    private void AddResource((string Name, string State, string Url) resource) =>
        _board.Set(resource.Name, resource.State, resource.Url.Split("  ·  "));

    private void AddStop(Func<Task> stop)
    {
        lock (_stops)
        {
            _stops.Add(stop);
        }
    }

    private void PrintResources()
    {
        var resources = _board.All;
        var width = resources.Max(r => r.Name.Length);
        lock (ConsoleGate)
        {
            Console.WriteLine();
            Console.WriteLine("  Resources");
            foreach (var resource in resources)
            {
                Console.WriteLine($"  {resource.Name.PadRight(width)}  {resource.State,-8}  {string.Join("  ·  ", resource.Endpoints)}");
            }

            Console.WriteLine();
        }
    }

    private Action<string> Sink(string name) => line =>
    {
        _telemetry.AddConsoleLine(name, line);
        Write(name, line);
    };

    private static void Write(string name, string line)
    {
        lock (ConsoleGate)
        {
            Console.WriteLine($"[{name}] {line}");
        }
    }

    private static async Task EnsureFreeAsync(string name, int port, string variable, CancellationToken cancellationToken)
    {
        if (await FreePort.IsListeningAsync(port, cancellationToken))
        {
            throw new InvalidOperationException(
                $"port {port} for {name} is taken (is another run of the system still up?). Stop it, or choose another port with {variable}.");
        }
    }

    private static int Port(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out var port) && port is > 0 and < 65536 ? port : fallback;

    private static Uri Url(string variable, int fallback) => new($"http://127.0.0.1:{Port(variable, fallback)}/");

    private static string Redact(string connectionString) =>
        string.Join(';', connectionString.Split(';').Select(p => p.StartsWith("Password=", StringComparison.OrdinalIgnoreCase) ? "Password=***" : p));

    /// <summary>Generated once per data folder and reused: the Postgres password and the token signing key.</summary>
    private sealed record Secrets(string PostgresPassword, string SigningKey)
    {
        public static async Task<Secrets> LoadOrCreateAsync(string path)
        {
            if (File.Exists(path))
            {
                return JsonSerializer.Deserialize<Secrets>(await File.ReadAllTextAsync(path))
                    ?? throw new InvalidOperationException($"{path} is unreadable; delete it (and .data/postgres) to start afresh.");
            }

            var secrets = new Secrets(Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(secrets));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return secrets;
        }
    }
}
