using Ticketing.Hosting;
using Ticketing.Hosting.AppModel;
using Ticketing.Hosting.Testing;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.AppHost;

/// <summary>
/// The test systems are the AppHost's own declaration (src/Ticketing.AppHost/Program.cs), started by
/// <see cref="DistributedApplicationTestingBuilder"/>: these tests pin what that builder hands over and how a failed start ends.
/// </summary>
public class TestingBuilderTests(DefaultSystem fixture)
{
    [Fact]
    public async Task The_testing_builder_hands_over_the_AppHosts_declaration_with_free_ports_and_the_tests_outside_servers()
    {
        var model = await DistributedApplicationTestingBuilder.CreateAsync<Program>(options =>
        {
            options.Configuration["TICKETING_DATA_DIR"] = Path.Combine(Path.GetTempPath(), $"ticketing-model-{Guid.NewGuid():N}");
            options.Configuration["ConnectionStrings__redis"] = "127.0.0.1:1";
        });
        try
        {
            model.Resources.Select(r => r.Name).ShouldBe(["postgres", "ticketing", "redis", "kafka", "queueworker", "api", "web"]);
            model.Resources.OfType<KafkaResource>().Single().Topics.ShouldBe(new Dictionary<string, int> { ["queue.joins"] = 8 });
            var projects = model.Resources.OfType<ProjectResource>().ToDictionary(p => p.Name);
            projects["api"].WaitsFor.Select(r => r.Name).ShouldBe(["ticketing", "redis", "queueworker"], ignoreOrder: true);
            projects["web"].WaitsFor.Select(r => r.Name).ShouldBe(["api"]);
            projects.Values.Select(p => p.Url.Port).ShouldNotContain(5180, "declared ports are replaced by free ones");
            projects["api"].Environment.Keys.ShouldContain("ConnectionStrings__postgres");
            model.Resources.Single(r => r.Name == "redis").External.ShouldBe("127.0.0.1:1");
            model.Resources.Single(r => r.Name == "postgres").External.ShouldBeNull();
        }
        finally
        {
            Directory.Delete(model.DataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task A_model_whose_Api_cannot_start_fails_StartAsync_with_the_reason_and_stops_what_had_started()
    {
        var log = new List<string>();
        var database = await fixture.CreateDatabaseAsync($"broken_{Guid.NewGuid():N}"[..20]);
        var model = await DistributedApplicationTestingBuilder.CreateAsync<Program>(options =>
        {
            options.Configuration["TICKETING_DATA_DIR"] = Path.Combine(Path.GetTempPath(), $"ticketing-model-{Guid.NewGuid():N}");
            options.Configuration["ConnectionStrings__postgres"] = database;
            options.Output = (resource, line) => { lock (log) { log.Add($"[{resource}] {line}"); } };
        });
        model.Resources.RemoveAll(r => r.Name == "web");
        model.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Ticketing__Auth__SigningKey", () => "too-short"); // fails the Api's options validation at start
        var redisPort = model.Resources.OfType<RedisResource>().Single().Port;
        var workerPort = model.Resources.OfType<ProjectResource>().Single(p => p.Name == "queueworker").Url.Port;

        await using var app = model.Build();
        var failure = await Should.ThrowAsync<InvalidOperationException>(() => app.StartAsync());

        failure.Message.ShouldContain("api exited with code");
        failure.Message.ShouldContain("SigningKey");
        (await FreePort.IsListeningAsync(redisPort)).ShouldBeFalse("Redis started and is stopped again");
        (await FreePort.IsListeningAsync(workerPort)).ShouldBeFalse("the QueueWorker started and is stopped again");
        lock (log)
        {
            log.ShouldContain(line => line.StartsWith("[apphost] Stopping queueworker"));
        }

        Directory.Delete(model.DataDirectory, recursive: true);
    }
}
