using Microsoft.Extensions.Hosting;
using Ticketing.Dashboard;
using Ticketing.Hosting;

namespace Ticketing.Hosting.AppModel;

/// <summary>
/// Runs the app model (ARCHITECTURE.md "Local run without Aspire packages"; the role of Aspire's DCP): the hosted service of
/// <see cref="DistributedApplication"/>. It starts the developer view, stops what an earlier run of the data folder left
/// behind (<see cref="PidFiles"/>), then starts every resource once those it waits for are ready, each under a
/// <see cref="Supervisor"/>; prints the resources; and, when the host stops (Ctrl+C, SIGTERM, or a resource that will not
/// run again), stops them in reverse order.
/// </summary>
internal sealed class Orchestrator(DistributedApplicationBuilder model, IHostApplicationLifetime lifetime) : IHostedService
{
    private static readonly object ConsoleGate = new();
    private readonly List<Func<Task>> _stops = [];
    private readonly List<Supervisor> _supervisors = [];
    private readonly TelemetryStore _telemetry = new();
    private readonly ResourceBoard _board = new();
    private PidFiles? _pids;
    private bool _stopFailed;

    private readonly SupervisorOptions _restarts = new(Restart: model.Options.Restarts
        ?? !string.Equals(model.Setting("TICKETING_RESTARTS"), "off", StringComparison.OrdinalIgnoreCase));

    /// <summary>0 after a clean run; 1 after a start-up failure, a failed stop or a resource that would not run again.</summary>
    public int ExitCode { get; private set; }

    /// <summary>Why start-up failed, once it has; null while it has not.</summary>
    public string? StartupFailure { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _pids = new PidFiles(Path.Combine(model.DataDirectory, "run"), line => Write("apphost", line));
            await _pids.StopLeftoversAsync();
            var context = await StartDeveloperViewAsync(cancellationToken);
            foreach (var resource in model.Resources)
            {
                _board.Set(resource.Name, resource.External is null ? "waiting" : "external", resource.Description.Split("  ·  "),
                    resource is ProjectResource { HealthPath: { } path } project ? new Uri(project.Url, path) : null);
            }

            var ready = new Dictionary<Resource, Task>();
            foreach (var resource in model.Resources)
            {
                ready[resource] = StartWhenReadyAsync(resource, ready, context, cancellationToken);
            }

            await Task.WhenAll(ready.Values);
            PrintResources();
            Write("apphost", "Running. Press Ctrl+C to stop everything.");
            _ = WatchAsync();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C during start-up: the host stops what has started.
        }
        catch (Exception ex)
        {
            StartupFailure = ex is AggregateException { InnerException: { } inner } ? inner.Message : ex.Message;
            Write("apphost", $"!!! Start-up failed: {StartupFailure}");
            ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Write("apphost", "Stopping in reverse order …");
        List<Func<Task>> stops;
        lock (_stops)
        {
            stops = [.. _stops];
            _stops.Clear();
        }

        for (var i = stops.Count - 1; i >= 0; i--)
        {
            try
            {
                await stops[i]();
            }
            catch (Exception ex)
            {
                Write("apphost", $"!!! Stop step failed: {ex.Message}");
                ExitCode = 1;
                _stopFailed = true;
            }
        }

        if (!_stopFailed)
        {
            _pids?.Clear(); // otherwise the next run finds what may still be alive, and stops it
        }

        Write("apphost", ExitCode == 0 ? "Stopped. No process of the system is left running." : "Stopped after a failure.");
    }

    /// <summary>Writes a line of <paramref name="name"/>: to the options' output, else to the console as <c>[name] line</c>.</summary>
    public void Write(string name, string line)
    {
        if (model.Options.Output is { } output)
        {
            output(name, line);
            return;
        }

        lock (ConsoleGate)
        {
            Console.WriteLine($"[{name}] {line}");
        }
    }

    // The developer view is also the OTLP receiver of the services, unless OTEL_EXPORTER_OTLP_ENDPOINT points elsewhere.
    private async Task<RunContext> StartDeveloperViewAsync(CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = model.Setting("ASPNETCORE_ENVIRONMENT") ?? "Development",
        };
        if (model.Options.DisableDashboard)
        {
            return new RunContext(model.DataDirectory, model.Secrets, Sink, environment);
        }

        var port = model.Port("dashboard", 18888);
        await EnsureFreeAsync(port, "the developer view", "TICKETING_DASHBOARD_PORT", cancellationToken);
        var view = await DeveloperView.StartAsync(port, _telemetry, _board, cancellationToken);
        AddStop(async () => { Write("apphost", "Stopping the developer view"); await view.DisposeAsync(); });
        var external = model.Setting("OTEL_EXPORTER_OTLP_ENDPOINT");
        _board.Set("developer view", "running", [string.IsNullOrWhiteSpace(external)
            ? $"{view.Url}  (resources, console logs, traces, structured logs, metrics; OTLP/HTTP receiver)"
            : $"{view.Url}  (resources and console logs; telemetry goes to {external})"]);
        if (string.IsNullOrWhiteSpace(external))
        {
            // Aspire's conventions for a local dashboard: OTLP/HTTP, export every second (metrics every 5 s).
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = view.Url.ToString().TrimEnd('/');
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_METRIC_EXPORT_INTERVAL"] = "5000";
        }

        return new RunContext(model.DataDirectory, model.Secrets, Sink, environment);
    }

    // Waits for the resources this one waits for, then starts it: under a supervisor when it has a process of its own.
    private async Task StartWhenReadyAsync(Resource resource, Dictionary<Resource, Task> ready, RunContext context, CancellationToken cancellationToken)
    {
        await Task.Yield(); // every resource's task exists before any awaits another's
        await Task.WhenAll(resource.WaitsFor.Select(d => ready[d]));
        if (resource.External is not null)
        {
            return;
        }

        var ports = resource switch
        {
            PostgresServerResource pg => [pg.Port],
            RedisResource redis => [redis.Port],
            ProjectResource project => Enumerable.Range(0, project.Replicas).Select(r => project.ReplicaUrl(r).Port).ToArray(),
            _ => Array.Empty<int>(),
        };
        foreach (var port in ports)
        {
            await EnsureFreeAsync(port, resource.Name, $"TICKETING_{resource.Name.ToUpperInvariant()}_PORT", cancellationToken);
        }

        Write("apphost", $"Starting {resource.Name} …");
        _board.SetState(resource.Name, "starting");
        if (resource is KafkaResource kafka)
        {
            await kafka.StartAsync(context, cancellationToken);
            AddStop(() => { Write("apphost", $"Stopping {kafka.Name}"); kafka.Stop(); return Task.CompletedTask; });
        }
        else if (resource is PostgresDatabaseResource)
        {
            // Created by its server's start.
        }
        else if (resource is ProjectResource { Replicas: > 1 } project)
        {
            for (var replica = 1; replica < project.Replicas; replica++)
            {
                _board.Set(project.ReplicaName(replica), "starting", [project.ReplicaUrl(replica).ToString()],
                    project.HealthPath is { } path ? new Uri(project.ReplicaUrl(replica), path) : null);
            }

            await Task.WhenAll(Enumerable.Range(0, project.Replicas).Select(replica =>
                SuperviseAsync(project.ReplicaName(replica), ct => project.StartReplicaAsync(replica, context, ct), cancellationToken)));
        }
        else
        {
            await SuperviseAsync(resource.Name, ct => resource.StartAsync(context, ct), cancellationToken);
        }

        _board.Set(resource.Name, "running", resource.Description.Split("  ·  "));
        Write("apphost", $"{resource.Name} is {(resource is ProjectResource ? "healthy" : "running")}");
    }

    // One process under a supervisor: its pid file follows each (re)start, the developer view shows its state and takes its
    // commands, and it stops in reverse start order with the rest.
    private async Task SuperviseAsync(string name, Func<CancellationToken, Task<ISupervisedProcess?>> start, CancellationToken cancellationToken)
    {
        var supervisor = await Supervisor.StartAsync(name, async ct => (await start(ct))!, _restarts,
            line => Write("apphost", line), state =>
            {
                _pids?.Record(name, state.ProcessId);
                _board.SetSupervision(name, state.State, state.Restarts, state.LastExit);
            }, cancellationToken);
        lock (_supervisors)
        {
            _supervisors.Add(supervisor);
        }

        _board.SetCommands(name, command => command switch
        {
            "stop" => supervisor.StopAsync(),
            "start" => supervisor.StartAsync(),
            _ => supervisor.RestartAsync(),
        });
        AddStop(async () => { Write("apphost", $"Stopping {name}"); await supervisor.DisposeAsync(); });
    }

    // A resource that will not run again (restarts off, or a crash loop) stops the whole run with exit code 1.
    private async Task WatchAsync()
    {
        List<Task<string>> failures;
        lock (_supervisors)
        {
            failures = [.. _supervisors.Select(s => s.Failed)];
        }

        await Task.WhenAny(failures);
        ExitCode = 1;
        lifetime.StopApplication();
    }

    private static async Task EnsureFreeAsync(int port, string what, string variable, CancellationToken cancellationToken)
    {
        if (await FreePort.IsListeningAsync(port, cancellationToken))
        {
            throw new InvalidOperationException(
                $"port {port} for {what} is taken (is another run of the system still up?). Stop it, or choose another port with {variable}.");
        }
    }

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
}
