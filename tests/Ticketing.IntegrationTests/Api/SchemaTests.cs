using Aspire.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

/// <summary>The schema as the Api brings it up: several replicas starting at once on a fresh database (<c>TICKETING_API_REPLICAS</c>).</summary>
public class SchemaTests(DefaultSystem fixture)
{
    [Fact]
    public async Task Four_Api_replicas_starting_at_once_on_a_fresh_database_migrate_it_once_and_all_serve()
    {
        await using var system = await fixture.StartSystemAsync("migrate", new Dictionary<string, string>
        {
            ["TICKETING_API_REPLICAS"] = "4",
            ["Ticketing__Catalog__SeedDevData"] = "true", // the dev seeder too runs in all four at once
        });

        // Aspire runs each replica as a resource instance of its own (api-xxxx): all four come up healthy.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var healthy = new HashSet<string>();
        await foreach (var update in system.App.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (update.Resource.Name == "api" && update.Snapshot.HealthStatus == HealthStatus.Healthy && healthy.Add(update.ResourceId) && healthy.Count == 4)
            {
                break;
            }
        }

        healthy.Count.ShouldBe(4, "four Api replicas are healthy");
        // Without the advisory lock one of the four failed here: two applied the second migration ("function
        // catalog_changed already exists").
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%_catalog_changed'")).ShouldBe(3);
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM concerts")).ShouldBe(3, "the dev catalog seeded once");
        using var http = new HttpClient { BaseAddress = system.ApiUrl };
        for (var i = 0; i < 8; i++)
        {
            (await http.GetStringAsync("/api/concerts")).ShouldContain("Winter Lights Orchestra", customMessage: "DCP's proxy spreads these over the replicas");
        }
    }

    [Fact]
    public async Task The_services_connect_as_the_databases_own_role_which_owns_its_objects_and_nothing_more()
    {
        var postgres = fixture.Postgres; // the connection string the AppHost gives the Api
        (await TestCatalog.ScalarAsync<string>(postgres, "SELECT current_user")).ShouldBe("ticketing_owner");
        (await TestCatalog.ScalarAsync<bool>(postgres, "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = current_user"))
            .ShouldBeFalse("no superuser, CREATEDB or CREATEROLE");
        (await TestCatalog.ScalarAsync<string>(postgres, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")).ShouldBe("ticketing_owner");
        (await TestCatalog.ScalarAsync<long>(postgres, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> current_user")).ShouldBe(0);
        (await TestCatalog.ScalarAsync<long>(postgres, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).ShouldBeGreaterThan(5);
        var refused = await Should.ThrowAsync<Npgsql.PostgresException>(() => TestCatalog.ScalarAsync<int>(postgres, "CREATE ROLE intruder LOGIN"));
        refused.SqlState.ShouldBe("42501", "insufficient privilege");
    }
}
