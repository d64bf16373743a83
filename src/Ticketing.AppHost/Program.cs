// Ticketing.AppHost: the whole system in one screen, on Aspire 13.6. `./run.sh` starts it (launch profile "http"): the Aspire
// dashboard at http://127.0.0.1:18888, then Postgres, Redis, the Kafka dev broker, the QueueWorker, the Api and the Web.
// Ctrl+C stops everything. Hosting/ holds the local-server resources (no container runtime here) and the restart policy.
using Microsoft.Extensions.DependencyInjection;
using Ticketing.AppHost.Hosting;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")] // it runs Debian's servers

var builder = DistributedApplication.CreateBuilder(args);
var data = DataDirectory.Resolve(builder.Configuration);
var secrets = AppSecrets.LoadOrCreate(data);
builder.Services.AddHostedService<RestartOnCrash>();

// Infrastructure: Postgres (the arbiter), Redis (holds, active sets), the Kafka-protocol dev broker (the order of the line).
// ConnectionStrings__{name} in the AppHost's environment points at an outside server instead, and nothing is started for it.
var postgresPassword = builder.AddParameter("postgres-password", secrets.PostgresPassword, secret: true);
var redisPassword = builder.AddParameter("redis-password", secrets.RedisPassword!, secret: true);
var signingKey = builder.AddParameter("signing-key", secrets.SigningKey, secret: true);
var databasePassword = builder.AddParameter("ticketing-owner-password", secrets.DatabasePassword!, secret: true);

var postgres = builder.OutsideOr("postgres", () =>
    builder.AddLocalPostgres("postgres", port: 15432, postgresPassword, data).AddDatabase("ticketing", databasePassword));
var redis = builder.OutsideOr("redis", () => builder.AddLocalRedis("redis", port: 16379, redisPassword, data));
var kafka = builder.OutsideOr("kafka", () => builder.AddKafkaDevBroker("kafka", port: 19092)
    .WithTopic(builder.Configuration["Ticketing:Queue:JoinsTopic"] ?? "queue.joins", partitions: 8));

// Services. The QueueWorker starts before the Api: after a restart on the dev broker it puts the people who were waiting back
// in line before the Api takes new joins.
var queueWorker = builder.AddProject<Projects.Ticketing_QueueWorker>("queueworker").WithBuiltProgram()
    .WithReference(redis).WaitFor(redis)
    .WithReference(kafka).WaitFor(kafka).WithBrokerEpoch(kafka)
    .WithTicketingSettings()
    .WithReplicasSetting(1) // TICKETING_QUEUEWORKER_REPLICAS=2: two members of the consumer group share the partitions
    .WithPortSetting()
    .WithHttpHealthCheck("/health");

var api = builder.AddProject<Projects.Ticketing_Api>("api").WithBuiltProgram()
    .WithReference(postgres, connectionName: "postgres").WaitFor(postgres)
    .WithReference(redis).WaitFor(redis)
    .WithReference(kafka).WaitFor(kafka)
    .WaitFor(queueWorker)
    .WithEnvironment("Ticketing__Auth__SigningKey", signingKey)
    .WithEnvironment("Ticketing__Catalog__SeedDevData", "true")
    .WithTicketingSettings()
    .WithReplicasSetting(1) // TICKETING_API_REPLICAS=2: DCP's proxy spreads requests over both
    .WithPortSetting()
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "Api")
    .WithUrl("/swagger", "Swagger UI")
    .WithReadyAnnouncement("Api (OpenAPI at /openapi/v1.json, Swagger UI at /swagger)");

builder.AddProject<Projects.Ticketing_Web>("web").WithBuiltProgram()
    .WithReference(redis).WaitFor(redis) // the sessions: a signed-out cookie finds no session
    .WithReference(api).WaitFor(api)
    .WithTicketingSettings()
    .WithPortSetting()
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "Ticketing (web)")
    .WithReadyAnnouncement("Web (open this)");

builder.Build().Run();
