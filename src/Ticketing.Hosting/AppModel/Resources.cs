namespace Ticketing.Hosting.AppModel;

/// <summary>
/// A resource of the app model (Aspire's <c>IResource</c>): a server or a service the AppHost starts, or an outside one it
/// only points the others at. Each resource starts once the resources it waits for are ready, under a <see cref="Supervisor"/>.
/// </summary>
/// <param name="name">The resource name: shown as <c>[name]</c> in the console and in the developer view.</param>
public abstract class Resource(string name)
{
    /// <summary>The resource name (lower case, e.g. <c>postgres</c>, <c>api</c>).</summary>
    public string Name { get; } = name;

    /// <summary>The resources that must be ready before this one starts (<c>WaitFor</c>).</summary>
    public List<Resource> WaitsFor { get; } = [];

    /// <summary>
    /// The connection string of the outside server named by <c>ConnectionStrings__{name}</c> in the AppHost's settings, if any:
    /// then the AppHost starts nothing for this resource and hands that string to those that reference it (Aspire's
    /// <c>AddConnectionString</c> / existing-resource pattern).
    /// </summary>
    public string? External { get; internal set; }

    /// <summary>What the resource list shows for it (address, database, …).</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Starts one instance and returns once it is ready (answers, or is healthy); null for a resource with no process of its own
    /// (in-process or outside). A supervisor calls it again after an unexpected exit.
    /// </summary>
    public abstract Task<ISupervisedProcess?> StartAsync(RunContext context, CancellationToken cancellationToken);
}

/// <summary>A resource others reach by a connection string (<c>ConnectionStrings__{name}</c>).</summary>
public interface IResourceWithConnectionString
{
    /// <summary>The resource name, the default name of the connection string.</summary>
    string Name { get; }

    /// <summary>The connection string (known before the resource starts: its address is fixed by the model).</summary>
    string ConnectionString { get; }
}

/// <summary>What a starting resource may use of the run: the data folder, secrets, the developer view and the console.</summary>
/// <param name="DataDirectory">The run's data folder (<c>.data/</c> or <c>TICKETING_DATA_DIR</c>).</param>
/// <param name="Secrets">Generated once per data folder: the Postgres password and the token signing key.</param>
/// <param name="Log">Writes a line of a resource's output, prefixed with its name.</param>
/// <param name="Environment">Variables every project gets (OTLP settings of the developer view).</param>
public sealed record RunContext(string DataDirectory, AppSecrets Secrets, Func<string, Action<string>> Log, IReadOnlyDictionary<string, string?> Environment);

/// <summary>Postgres from Debian's binaries (<see cref="PostgresServer"/>), data in <c>{data}/postgres</c>.</summary>
/// <param name="name">Resource name.</param>
/// <param name="port">Its port on 127.0.0.1.</param>
/// <param name="password">The <c>postgres</c> user's password.</param>
public sealed class PostgresServerResource(string name, int port, string password) : Resource(name)
{
    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>The databases created in it (<c>AddDatabase</c>).</summary>
    public List<PostgresDatabaseResource> Databases { get; } = [];

    internal string Password { get; } = password;

    /// <summary>Flush to disk at commit (default true); false for throw-away test data (fsync off, as Postgres's docs allow for it).</summary>
    public bool Durable { get; set; } = true;

    /// <summary>The server's <c>max_connections</c> (default 300).</summary>
    public int MaxConnections { get; set; } = 300;

    /// <summary>Creates database <paramref name="name"/> in the running server if missing; returns its connection string.</summary>
    /// <exception cref="ArgumentException">The name is not a plain identifier.</exception>
    public Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        PostgresServer.CreateDatabaseAsync(Port, Password, name, cancellationToken);

    /// <inheritdoc />
    public override string Description => External is not null
        ? "external"
        : $"127.0.0.1:{Port}  database {string.Join(", ", Databases.Select(d => d.DatabaseName))}, user postgres (password in .data/secrets.json)";

    /// <inheritdoc />
    public override async Task<ISupervisedProcess?> StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(context.DataDirectory, "postgres");
        if (!await PostgresServer.IsReachableAsync(folder))
        {
            // Running as root from a checkout the postgres OS user cannot enter (e.g. under /root): keep its data beside the others' temp data.
            folder = Path.Combine("/var/tmp", $"ticketing-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(context.DataDirectory)))[..12]}", "postgres");
            context.Log("apphost")($"The postgres OS user cannot reach {context.DataDirectory}; keeping Postgres data in {folder} instead.");
        }

        var server = await PostgresServer.StartAsync(new PostgresServerOptions(folder, Port, Password, MaxConnections: MaxConnections, Durable: Durable), context.Log(Name), cancellationToken);
        try
        {
            foreach (var database in Databases) // idempotent: the server's own start already made its default database
            {
                await server.CreateDatabaseAsync(database.DatabaseName, cancellationToken);
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }
}

/// <summary>A database in a <see cref="PostgresServerResource"/> (created when missing).</summary>
/// <param name="name">Resource name.</param>
/// <param name="server">The server.</param>
/// <param name="databaseName">The database's name in Postgres.</param>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource server, string databaseName) : Resource(name), IResourceWithConnectionString
{
    /// <summary>The database's name in Postgres.</summary>
    public string DatabaseName { get; } = databaseName;

    /// <summary>The server it lives in.</summary>
    public PostgresServerResource Server { get; } = server;

    /// <inheritdoc />
    public string ConnectionString => Server.External ?? PostgresServer.ConnectionStringOf(Server.Port, Server.Password, DatabaseName);

    /// <inheritdoc />
    public override string Description => $"database {DatabaseName} in {Server.Name}";

    /// <inheritdoc />
    public override Task<ISupervisedProcess?> StartAsync(RunContext context, CancellationToken cancellationToken) => Task.FromResult<ISupervisedProcess?>(null);
}

/// <summary>Redis from Debian's <c>redis-server</c> (<see cref="RedisServer"/>), append-only file in <c>{data}/redis</c>.</summary>
/// <param name="name">Resource name.</param>
/// <param name="port">Its port on 127.0.0.1.</param>
public sealed class RedisResource(string name, int port) : Resource(name), IResourceWithConnectionString
{
    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <inheritdoc />
    public string ConnectionString => External ?? $"127.0.0.1:{Port}";

    /// <inheritdoc />
    public override string Description => External is not null ? "external" : ConnectionString;

    /// <inheritdoc />
    public override async Task<ISupervisedProcess?> StartAsync(RunContext context, CancellationToken cancellationToken) =>
        await RedisServer.StartAsync(new RedisServerOptions(Path.Combine(context.DataDirectory, "redis"), Port), context.Log(Name), cancellationToken);
}

/// <summary>
/// The Kafka-protocol dev broker: librdkafka's mock cluster inside the AppHost (<see cref="KafkaMockCluster"/>), its log in
/// memory. Every start gets a new <see cref="Epoch"/>, which the services receive as <c>Ticketing__Queue__BrokerEpoch</c>.
/// </summary>
/// <param name="name">Resource name.</param>
public sealed class KafkaResource(string name) : Resource(name), IResourceWithConnectionString
{
    private KafkaMockCluster? _cluster;

    /// <summary>Topics to create, with their partition counts (<c>WithTopic</c>).</summary>
    public Dictionary<string, int> Topics { get; } = [];

    /// <summary>Identifies this start's in-memory log; null with an outside Kafka, whose log is durable.</summary>
    public string? Epoch { get; private set; }

    /// <inheritdoc />
    public string ConnectionString => External ?? _cluster?.BootstrapServers ?? throw new InvalidOperationException("The dev broker has not started.");

    /// <inheritdoc />
    public override string Description => External is not null
        ? "external"
        : $"{_cluster?.BootstrapServers ?? "a random port"}  (librdkafka mock cluster; {string.Join(", ", Topics.Select(t => $"topic {t.Key}, {t.Value} partitions"))})";

    /// <inheritdoc />
    public override Task<ISupervisedProcess?> StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        _cluster = KafkaMockCluster.Start();
        foreach (var (topic, partitions) in Topics)
        {
            _cluster.CreateTopic(topic, partitions);
        }

        Epoch = Guid.NewGuid().ToString("N");
        context.Log("apphost")($"Kafka mock cluster at {_cluster.BootstrapServers}, {string.Join(", ", Topics.Keys)}");
        return Task.FromResult<ISupervisedProcess?>(null);
    }

    /// <summary>Stops the in-process broker.</summary>
    public void Stop() => _cluster?.Dispose();
}

/// <summary>
/// A .NET service of this repository run as a child process (<c>dotnet {project}.dll</c>, Aspire's <c>ProjectResource</c>),
/// configured only through environment variables; ready once <c>GET {health path}</c> answers 200. With
/// <see cref="Replicas"/> &gt; 1 (<c>WithReplicas</c>), replica <i>n</i> (1-based) is named <c>{name}-{n}</c> from the second on
/// and listens on the port + <i>n</i> − 1; those that reference it get every replica's address.
/// </summary>
/// <param name="name">Resource name (also <c>OTEL_SERVICE_NAME</c>).</param>
/// <param name="project">The project, e.g. <c>Ticketing.Api</c>.</param>
/// <param name="port">The first replica's HTTP port on 127.0.0.1.</param>
public sealed class ProjectResource(string name, string project, int port) : Resource(name)
{
    /// <summary>The project name.</summary>
    public string Project { get; } = project;

    /// <summary>The first replica's HTTP address.</summary>
    public Uri Url { get; } = new($"http://127.0.0.1:{port}/");

    /// <summary>How many instances run (1..10; <c>WithReplicas</c>).</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>Variables set for it; a function is evaluated when it starts (e.g. a connection string known only then).</summary>
    public Dictionary<string, Func<string?>> Environment { get; } = [];

    /// <summary>The path answering 200 once it is ready (<c>WithHttpHealthCheck</c>); null: ready when started.</summary>
    public string? HealthPath { get; set; }

    /// <summary>Extra addresses to list (e.g. the OpenAPI document).</summary>
    public List<string> Links { get; } = [];

    /// <inheritdoc />
    public override string Description => string.Join("  ·  ", Links.Prepend(Url.ToString()));

    /// <summary>The name of replica <paramref name="replica"/> (0-based): the resource's own name for the first.</summary>
    public string ReplicaName(int replica) => replica == 0 ? Name : $"{Name}-{replica + 1}";

    /// <summary>The address of replica <paramref name="replica"/> (0-based).</summary>
    public Uri ReplicaUrl(int replica) => new($"http://127.0.0.1:{Url.Port + replica}/");

    /// <inheritdoc />
    public override Task<ISupervisedProcess?> StartAsync(RunContext context, CancellationToken cancellationToken) =>
        StartReplicaAsync(0, context, cancellationToken);

    /// <summary>Starts replica <paramref name="replica"/> (0-based) and returns once it is healthy.</summary>
    public async Task<ISupervisedProcess?> StartReplicaAsync(int replica, RunContext context, CancellationToken cancellationToken)
    {
        var url = ReplicaUrl(replica);
        var environment = new Dictionary<string, string?>(context.Environment)
        {
            ["ASPNETCORE_URLS"] = url.ToString(),
            ["OTEL_SERVICE_NAME"] = Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={ReplicaName(replica)}",
        };
        foreach (var (key, value) in Environment)
        {
            environment[key] = value();
        }

        environment["DOTNET_ENVIRONMENT"] = environment.GetValueOrDefault("ASPNETCORE_ENVIRONMENT");
        var name = ReplicaName(replica);
        var service = ServiceProcess.Start(name, ProjectPaths.ServiceDll(Project), environment, context.Log(name));
        try
        {
            if (HealthPath is not null)
            {
                await service.WaitHealthyAsync(url, TimeSpan.FromSeconds(120), cancellationToken, HealthPath);
            }
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }
}
