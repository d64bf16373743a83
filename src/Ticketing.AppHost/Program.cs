// Ticketing.AppHost: the whole system in one screen, as an Aspire AppHost reads (README "Libraries, and what is still a
// stand-in" says what changes when Aspire's packages are on the mirror). `./run.sh` builds and starts it; Ctrl+C stops it.
using Ticketing.Hosting.AppModel;

var builder = DistributedApplication.CreateBuilder(args);

// Infrastructure: Postgres (the arbiter), Redis (holds, active sets), the Kafka-protocol dev broker (the order of the line).
var postgres = builder.AddPostgres("postgres", port: 15432);
var database = postgres.AddDatabase("ticketing");
var redis = builder.AddRedis("redis", port: 16379);
var kafka = builder.AddKafka("kafka")
    .WithTopic(builder.Configuration["Ticketing:Queue:JoinsTopic"] ?? "queue.joins", partitions: 8);

// Services. The QueueWorker starts before the Api: after a restart on the dev broker it puts the people who were waiting back
// in line before the Api takes new joins.
var queueWorker = builder.AddProject("queueworker", "Ticketing.QueueWorker", port: 5280)
    .WithReference(redis)
    .WithReference(kafka)
    .WaitFor(redis).WaitFor(kafka)
    .WithHttpHealthCheck("/health");

var api = builder.AddProject("api", "Ticketing.Api", port: 5180)
    .WithReference(database, connectionName: "postgres")
    .WithReference(redis)
    .WithReference(kafka)
    .WithEnvironment("Ticketing__Auth__SigningKey", builder.Secrets.SigningKey)
    .WithEnvironment("Ticketing__Catalog__SeedDevData", "true")
    .WaitFor(database).WaitFor(redis).WaitFor(queueWorker)
    .WithReplicas(1) // TICKETING_API_REPLICAS=2: two Apis behind the Web's service discovery
    .WithHttpHealthCheck("/health")
    .WithLink("swagger").WithLink("openapi/v1.json");

builder.AddProject("web", "Ticketing.Web", port: 5080)
    .WithReference(api)
    .WaitFor(api)
    .WithHttpHealthCheck("/health");

return await builder.Build().RunAsync();

/// <summary>The AppHost's entry point; tests start its model with <c>DistributedApplicationTestingBuilder.CreateAsync&lt;Program&gt;()</c>.</summary>
public partial class Program;
