using System.Security.Cryptography;
using Ticketing.Hosting;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

/// <summary>The schema as the Api brings it up: several instances at once on a fresh database (replicas starting together).</summary>
public class SchemaTests(DefaultSystem fixture)
{
    [Fact]
    public async Task Four_Apis_starting_at_once_on_a_fresh_database_migrate_it_once_and_all_serve()
    {
        var postgres = await fixture.CreateDatabaseAsync($"ticketing_migrate_{Guid.NewGuid():N}"[..40]) + ";Maximum Pool Size=10";
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__postgres"] = postgres,
            ["ConnectionStrings__redis"] = fixture.SpareRedisDatabase(),
            ["ConnectionStrings__kafka"] = fixture.System.Kafka,
            ["Ticketing__Auth__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Ticketing__Catalog__SeedDevData"] = "true", // the dev seeder too runs in all four at once
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        var apis = Enumerable.Range(1, 4).Select(i =>
        {
            var url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
            return (Url: url, Process: ServiceProcess.Start($"migrate-api-{i}", ProjectPaths.ServiceDll("Ticketing.Api", null),
                new Dictionary<string, string?>(environment) { ["ASPNETCORE_URLS"] = url.ToString() },
                TestSystem.Log(Path.Combine(TestSystem.LogDirectory, $"migrate-api-{i}.log"))));
        }).ToList();
        try
        {
            await Task.WhenAll(apis.Select(a => a.Process.WaitHealthyAsync(a.Url, TimeSpan.FromSeconds(60))));
            // Without the advisory lock one of the four failed here: two applied the second migration ("function
            // catalog_changed already exists").
            (await TestCatalog.ScalarAsync<long>(postgres, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%_catalog_changed'")).ShouldBe(3);
            (await TestCatalog.ScalarAsync<long>(postgres, "SELECT count(*) FROM concerts")).ShouldBe(3, "the dev catalog seeded once");
            using var http = new HttpClient();
            foreach (var (url, _) in apis)
            {
                (await http.GetStringAsync(new Uri(url, "/api/concerts"))).ShouldContain("Winter Lights Orchestra");
            }
        }
        finally
        {
            foreach (var (_, process) in apis)
            {
                await process.DisposeAsync();
            }
        }
    }
}
