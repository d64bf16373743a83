using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ticketing.Hosting.AppModel;

/// <summary>A resource being configured (Aspire's <c>IResourceBuilder&lt;T&gt;</c>).</summary>
/// <typeparam name="T">The resource type.</typeparam>
/// <param name="Resource">The resource.</param>
/// <param name="Application">The builder it belongs to.</param>
public sealed record ResourceBuilder<T>(T Resource, DistributedApplicationBuilder Application) where T : Resource;

/// <summary>Generated once per data folder and reused: the Postgres password and the token signing key (base64, 32 bytes).</summary>
/// <param name="PostgresPassword">The <c>postgres</c> user's password.</param>
/// <param name="SigningKey">The Api's token signing key.</param>
public sealed record AppSecrets(string PostgresPassword, string SigningKey)
{
    /// <summary>Reads <c>secrets.json</c> of <paramref name="dataDirectory"/>, creating it (mode 600) on the first run.</summary>
    /// <exception cref="InvalidOperationException">The file is unreadable.</exception>
    public static AppSecrets LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "secrets.json");
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize<AppSecrets>(File.ReadAllText(path))
                ?? throw new InvalidOperationException($"{path} is unreadable; delete it (and the postgres folder beside it) to start afresh.");
        }

        var secrets = new AppSecrets(Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        File.WriteAllText(path, JsonSerializer.Serialize(secrets));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return secrets;
    }
}

/// <summary>
/// How a run of the app model behaves (Aspire's <c>DistributedApplicationOptions</c>). <c>./run.sh</c> uses the defaults;
/// <see cref="Testing.DistributedApplicationTestingBuilder"/> randomises ports, turns restarts and the developer view off and
/// sends the output to the test's log files.
/// </summary>
public sealed class DistributedApplicationOptions
{
    /// <summary>The command-line arguments.</summary>
    public string[] Args { get; set; } = [];

    /// <summary>
    /// Settings that win over the AppHost's environment, with the same keys (<c>ConnectionStrings__postgres</c> or
    /// <c>ConnectionStrings:postgres</c>, <c>TICKETING_DATA_DIR</c>, <c>TICKETING_API_PORT</c>, …).
    /// </summary>
    public Dictionary<string, string?> Configuration { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Start no developer view; the services then export no telemetry unless told to (Aspire's <c>DisableDashboard</c>).</summary>
    public bool DisableDashboard { get; set; }

    /// <summary>Give every resource a free port instead of its declared one (a <c>TICKETING_{NAME}_PORT</c> setting still wins).</summary>
    public bool RandomizePorts { get; set; }

    /// <summary>Restart resources that exit unexpectedly; null: yes unless <c>TICKETING_RESTARTS=off</c>.</summary>
    public bool? Restarts { get; set; }

    /// <summary>Where each output line goes, as (resource name, line); null: the console, as <c>[name] line</c>.</summary>
    public Action<string, string>? Output { get; set; }
}

/// <summary>
/// Builds the app model the way Aspire's <c>DistributedApplication.CreateBuilder</c> does: infrastructure resources, then
/// projects that reference them. Settings come from <see cref="Configuration"/> (the AppHost's environment, overridden by
/// <see cref="DistributedApplicationOptions.Configuration"/>): fixed ports move with <c>TICKETING_{NAME}_PORT</c>; a resource
/// whose <c>ConnectionStrings__{name}</c> is set is an outside one and is not started.
/// </summary>
public sealed class DistributedApplicationBuilder
{
    // Set by DistributedApplicationTestingBuilder around its call of the AppHost's entry point: the builder that entry point
    // creates takes the test's options, and its Build() hands the model to the test instead of running it.
    internal static readonly AsyncLocal<ModelCapture?> Capture = new();
    private readonly ModelCapture? _capture;

    private DistributedApplicationBuilder(DistributedApplicationOptions options, ModelCapture? capture)
    {
        Options = options;
        _capture = capture;
        Args = options.Args;
        Configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddInMemoryCollection(options.Configuration.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":"), s.Value)))
            .Build();
        DataDirectory = Configuration["TICKETING_DATA_DIR"] is { Length: > 0 } data ? data : Path.Combine(ProjectPaths.RepositoryRoot, ".data");
        Directory.CreateDirectory(DataDirectory);
        Secrets = AppSecrets.LoadOrCreate(DataDirectory);
    }

    /// <summary>The run's options.</summary>
    public DistributedApplicationOptions Options { get; }

    /// <summary>The AppHost's settings: its environment variables (<c>__</c> read as <c>:</c>), then the options' overrides.</summary>
    public IConfiguration Configuration { get; }

    /// <summary>The command-line arguments.</summary>
    public string[] Args { get; }

    /// <summary>The run's data folder: <c>.data/</c> of the checkout, or <c>TICKETING_DATA_DIR</c>.</summary>
    public string DataDirectory { get; }

    /// <summary>The data folder's secrets.</summary>
    public AppSecrets Secrets { get; }

    /// <summary>The resources in the order they were added.</summary>
    public List<Resource> Resources { get; } = [];

    /// <summary>Starts a new app model (with the test's options when a test is capturing it).</summary>
    public static DistributedApplicationBuilder CreateBuilder(string[] args) =>
        Capture.Value is { } capture ? new(capture.Options, capture) : new(new DistributedApplicationOptions { Args = args }, null);

    /// <summary>Adds a Postgres server on <paramref name="port"/> (or <c>TICKETING_{NAME}_PORT</c>).</summary>
    public ResourceBuilder<PostgresServerResource> AddPostgres(string name, int port) =>
        Add(new PostgresServerResource(name, Port(name, port), Secrets.PostgresPassword));

    /// <summary>Adds Redis on <paramref name="port"/> (or <c>TICKETING_{NAME}_PORT</c>).</summary>
    public ResourceBuilder<RedisResource> AddRedis(string name, int port) => Add(new RedisResource(name, Port(name, port)));

    /// <summary>Adds the Kafka-protocol dev broker.</summary>
    public ResourceBuilder<KafkaResource> AddKafka(string name) => Add(new KafkaResource(name));

    /// <summary>Adds a project of this repository on <paramref name="port"/> (or <c>TICKETING_{NAME}_PORT</c>).</summary>
    public ResourceBuilder<ProjectResource> AddProject(string name, string project, int port) =>
        Add(new ProjectResource(name, project, Port(name, port)));

    /// <summary>Adds any resource.</summary>
    public ResourceBuilder<T> Add<T>(T resource) where T : Resource
    {
        if (Resources.Any(r => r.Name == resource.Name))
        {
            throw new InvalidOperationException($"There is already a resource named '{resource.Name}'.");
        }

        resource.External = Configuration[$"ConnectionStrings:{resource.Name}"] is { Length: > 0 } external ? external : null;
        Resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    /// <summary>
    /// The application, ready to run. Under <see cref="Testing.DistributedApplicationTestingBuilder"/> the model goes to the test
    /// instead, and the application returned does nothing when run.
    /// </summary>
    public DistributedApplication Build()
    {
        if (_capture is null)
        {
            return new(this);
        }

        _capture.Builder = this;
        return new(this, handedToTest: true);
    }

    /// <summary>
    /// The port <c>TICKETING_{NAME}_PORT</c> gives for <paramref name="name"/>; else a free one when
    /// <see cref="DistributedApplicationOptions.RandomizePorts"/>; else <paramref name="fallback"/>.
    /// </summary>
    internal int Port(string name, int fallback) =>
        int.TryParse(Configuration[$"TICKETING_{name.ToUpperInvariant()}_PORT"], out var port) && port is > 0 and < 65536 ? port
        : Options.RandomizePorts ? FreePort.Next()
        : fallback;

    /// <summary>The setting behind environment variable <paramref name="variable"/> (<c>__</c> as <c>:</c>), or null.</summary>
    internal string? Setting(string variable) => Configuration[variable.Replace("__", ":")];
}

/// <summary>The test's options for a run, and the model the AppHost's entry point built with them.</summary>
internal sealed class ModelCapture(DistributedApplicationOptions options)
{
    public DistributedApplicationOptions Options { get; } = options;

    public DistributedApplicationBuilder? Builder { get; set; }
}

/// <summary>The configuration methods of resources, with Aspire's names.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>Adds a database to a Postgres server; its connection string names it.</summary>
    public static ResourceBuilder<PostgresDatabaseResource> AddDatabase(this ResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = server.Application.Add(new PostgresDatabaseResource(name, server.Resource, databaseName ?? name));
        server.Resource.Databases.Add(database.Resource);
        database.Resource.WaitsFor.Add(server.Resource);
        return database;
    }

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions when the dev broker starts.</summary>
    public static ResourceBuilder<KafkaResource> WithTopic(this ResourceBuilder<KafkaResource> kafka, string topic, int partitions)
    {
        kafka.Resource.Topics[topic] = partitions;
        return kafka;
    }

    /// <summary>
    /// Gives the project the connection string of <paramref name="source"/> as <c>ConnectionStrings__{connectionName}</c>
    /// (default: the source's name). A Kafka dev broker also passes its epoch (<c>Ticketing__Queue__BrokerEpoch</c>).
    /// </summary>
    public static ResourceBuilder<ProjectResource> WithReference<TSource>(this ResourceBuilder<ProjectResource> project, ResourceBuilder<TSource> source, string? connectionName = null)
        where TSource : Resource, IResourceWithConnectionString
    {
        project.Resource.Environment[$"ConnectionStrings__{connectionName ?? source.Resource.Name}"] = () => source.Resource.ConnectionString;
        if (source.Resource is KafkaResource kafka)
        {
            project.Resource.Environment["Ticketing__Queue__BrokerEpoch"] = () => kafka.Epoch;
        }

        return project;
    }

    /// <summary>
    /// Gives the project the other project's addresses for service discovery: <c>services__{name}__http__{i}</c>, one per replica
    /// (Microsoft.Extensions.ServiceDiscovery spreads requests over them).
    /// </summary>
    public static ResourceBuilder<ProjectResource> WithReference(this ResourceBuilder<ProjectResource> project, ResourceBuilder<ProjectResource> service)
    {
        for (var i = 0; i < 10; i++)
        {
            var replica = i;
            project.Resource.Environment[$"services__{service.Resource.Name}__http__{replica}"] =
                () => replica < service.Resource.Replicas ? service.Resource.ReplicaUrl(replica).ToString().TrimEnd('/') : null;
        }

        return project;
    }

    /// <summary>
    /// Runs <paramref name="replicas"/> instances of the project (1..10), or as many as <c>TICKETING_{NAME}_REPLICAS</c> says
    /// (e.g. <c>TICKETING_QUEUEWORKER_REPLICAS=2</c>: two members of the consumer group share the joins' partitions).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 1..10.</exception>
    public static ResourceBuilder<ProjectResource> WithReplicas(this ResourceBuilder<ProjectResource> project, int replicas)
    {
        var given = int.TryParse(project.Application.Setting($"TICKETING_{project.Resource.Name.ToUpperInvariant()}_REPLICAS"), out var n) ? n : replicas;
        ArgumentOutOfRangeException.ThrowIfLessThan(given, 1, nameof(replicas));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(given, 10, nameof(replicas));
        project.Resource.Replicas = given;
        return project;
    }

    /// <summary>Starts this resource only once <paramref name="dependency"/> is ready.</summary>
    public static ResourceBuilder<T> WaitFor<T, TDependency>(this ResourceBuilder<T> resource, ResourceBuilder<TDependency> dependency)
        where T : Resource where TDependency : Resource
    {
        resource.Resource.WaitsFor.Add(dependency.Resource);
        return resource;
    }

    /// <summary>Sets <paramref name="name"/> for the project, unless the AppHost's own environment sets it (then that value wins).</summary>
    public static ResourceBuilder<ProjectResource> WithEnvironment(this ResourceBuilder<ProjectResource> project, string name, string value)
    {
        var given = project.Application.Setting(name);
        project.Resource.Environment[name] = () => given ?? value;
        return project;
    }

    /// <summary>Sets <paramref name="name"/> for the project to what <paramref name="value"/> returns when it starts (null: unset).</summary>
    public static ResourceBuilder<ProjectResource> WithEnvironment(this ResourceBuilder<ProjectResource> project, string name, Func<string?> value)
    {
        project.Resource.Environment[name] = value;
        return project;
    }

    /// <summary>The project is ready once <c>GET {path}</c> answers 200.</summary>
    public static ResourceBuilder<ProjectResource> WithHttpHealthCheck(this ResourceBuilder<ProjectResource> project, string path = "/health")
    {
        project.Resource.HealthPath = path;
        return project;
    }

    /// <summary>Lists an extra address of the project (relative to its URL) in the resource list.</summary>
    public static ResourceBuilder<ProjectResource> WithLink(this ResourceBuilder<ProjectResource> project, string relative)
    {
        project.Resource.Links.Add(new Uri(project.Resource.Url, relative).ToString());
        return project;
    }
}

/// <summary>
/// The built app model, run on the generic host (Microsoft.Extensions.Hosting): Ctrl+C and SIGTERM stop it through the host's
/// console lifetime; <see cref="Orchestrator"/> is its hosted service, which starts the resources (each once those it waits
/// for are ready, under a <see cref="Supervisor"/>) and stops them in reverse order. A test starts and stops it with
/// <see cref="StartAsync"/> and <see cref="DisposeAsync"/> (as Aspire's <c>DistributedApplication</c> in Aspire.Hosting.Testing).
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly DistributedApplicationBuilder _model;
    private readonly bool _handedToTest;
    private IHost? _host;

    internal DistributedApplication(DistributedApplicationBuilder model, bool handedToTest = false)
    {
        _model = model;
        _handedToTest = handedToTest;
    }

    /// <summary>Starts a new app model (Aspire's <c>DistributedApplication.CreateBuilder</c>).</summary>
    public static DistributedApplicationBuilder CreateBuilder(string[] args) => DistributedApplicationBuilder.CreateBuilder(args);

    /// <summary>
    /// Runs until Ctrl+C, SIGTERM or a resource that will not run again; returns the exit code (0 after a clean stop). Returns 0 at
    /// once when a test captured the model (the test starts it).
    /// </summary>
    public async Task<int> RunAsync()
    {
        if (_handedToTest)
        {
            return 0;
        }

        using var app = BuildHost(consoleLifetime: true);
        var orchestrator = app.Services.GetRequiredService<Orchestrator>();
        try
        {
            await app.RunAsync();
        }
        catch (Exception ex)
        {
            orchestrator.Write("apphost", $"!!! Start-up failed: {ex.Message}");
            return 1;
        }

        return orchestrator.ExitCode;
    }

    /// <summary>Starts every resource and returns once all are ready (projects healthy).</summary>
    /// <exception cref="InvalidOperationException">A resource did not start; what did start is stopped again.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_host is not null)
        {
            throw new InvalidOperationException("Already started.");
        }

        _host = BuildHost(consoleLifetime: false);
        await _host.StartAsync(cancellationToken);
        if (_host.Services.GetRequiredService<Orchestrator>().StartupFailure is { } failure)
        {
            await DisposeAsync();
            throw new InvalidOperationException($"The app model did not start: {failure}");
        }
    }

    /// <summary>The HTTP address of project <paramref name="resourceName"/> (its first replica).</summary>
    /// <exception cref="InvalidOperationException">No such project.</exception>
    public Uri GetEndpoint(string resourceName) =>
        Find<ProjectResource>(resourceName).Url;

    /// <summary>The connection string of resource <paramref name="resourceName"/> (a database, Redis, the broker).</summary>
    /// <exception cref="InvalidOperationException">No such resource, or it has none.</exception>
    public string GetConnectionString(string resourceName) =>
        Find<IResourceWithConnectionString>(resourceName).ConnectionString;

    /// <summary>Stops every resource in reverse order (what <see cref="StartAsync"/> started).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_host is { } host)
        {
            _host = null;
            await host.StopAsync();
            host.Dispose();
        }
    }

    private T Find<T>(string name) where T : class =>
        _model.Resources.FirstOrDefault(r => r.Name == name) as T
        ?? throw new InvalidOperationException($"The model has no {typeof(T).Name} named '{name}'.");

    private IHost BuildHost(bool consoleLifetime)
    {
        var host = Host.CreateApplicationBuilder(_model.Args);
        host.Logging.ClearProviders(); // every line is the AppHost's own: [resource] text
        host.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromMinutes(2));
        host.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        if (!consoleLifetime)
        {
            host.Services.AddSingleton<IHostLifetime, CallerLifetime>(); // a test process's Ctrl+C is not this model's
        }

        host.Services.AddSingleton(_model);
        host.Services.AddSingleton<Orchestrator>();
        host.Services.AddHostedService(services => services.GetRequiredService<Orchestrator>());
        return host.Build();
    }

    // The lifetime of a model started by its caller: no signal handlers; the caller stops it.
    private sealed class CallerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
