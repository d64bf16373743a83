using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.AppHost;

/// <summary>
/// The README's run command for real: the built AppHost as its own process, with DCP and the Aspire dashboard, on free ports
/// and a data folder of its own (<see cref="AppHostProcess"/>).
/// </summary>
[Collection(AppHostRuns.Name)]
public class AppHostTests(DefaultSystem fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_run_brings_everything_up_with_the_dashboard_a_sigkill_leaves_nothing_behind_and_the_next_run_puts_the_waiting_back_in_order()
    {
        // Two Api replicas (WithReplicas, behind DCP's proxy); capacity 1, so one person is ACTIVE and three are WAITING.
        var settings = new Dictionary<string, string?>
        {
            ["TICKETING_API_REPLICAS"] = "2",
            ["Ticketing__Queue__ActiveCapacity"] = "1",
            ["Ticketing__Queue__AdmissionInterval"] = "00:00:00.200",
            // Nobody polls while the second run starts: on a busy machine that took over a minute (the default abandonment time)
            // after the worker had put the line back, and the three places had ended by the time the test read them.
            ["Ticketing__Queue__AbandonAfter"] = "00:10:00",
        };
        await using var first = AppHostProcess.Start(settings);
        await first.WaitReadyAsync();
        var processes = ProcessTree.OfAppHost(first.Process.Id);
        var commands = processes.Select(ProcessTree.CommandLine).ToList();
        foreach (var expected in new[] { "tools/dcp", "Aspire.Dashboard", "postgres -D", "redis-server", "Ticketing.DevBroker", "Ticketing.QueueWorker", "Ticketing.Web" })
        {
            commands.ShouldContain(c => c.Contains(expected, StringComparison.Ordinal), $"{expected} runs under the AppHost");
        }

        commands.Count(c => c.EndsWith("/Ticketing.Api.dll", StringComparison.Ordinal)).ShouldBe(2, "two Api replicas run (dotnet exec of the built program)");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var apiUrl = first.Url("api");
        JsonNode.Parse(await http.GetStringAsync(new Uri(apiUrl, "/api/concerts")))!.AsArray().Count.ShouldBeGreaterThanOrEqualTo(3, "the dev catalog is seeded before the Api serves");
        foreach (var service in new[] { "api", "queueworker", "web" })
        {
            (await http.GetAsync(new Uri(first.Url(service), "/health"))).StatusCode.ShouldBe(HttpStatusCode.OK, $"{service} is healthy");
            (await http.GetAsync(new Uri(first.Url(service), "/alive"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await http.GetAsync(new Uri(apiUrl, "/openapi/v1.json"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync(first.Url("web"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The console shows the dashboard's sign-in URL (a browser token), the Api and the Web where a newcomer sees them.
        var signIn = System.Text.RegularExpressions.Regex.Match(first.Output, $@"http://127\.0\.0\.1:{first.Ports["DASHBOARD"]}/login\?t=[0-9a-f]+");
        signIn.Success.ShouldBeTrue($"the sign-in URL is printed:{Environment.NewLine}{first.Tail}");
        first.Output.ShouldContain($"==> Api (OpenAPI at /openapi/v1.json, Swagger UI at /swagger) is ready: {apiUrl.ToString().TrimEnd('/')}");
        (await http.GetAsync(signIn.Value)).StatusCode.ShouldBe(HttpStatusCode.OK, "the token signs the browser in");

        // The services export to the dashboard: a page of the Web calls the Api in the same trace.
        using (var telemetry = new DashboardTelemetry(first.DashboardUrl, first.DashboardApiKey))
        {
            await Polling.EventuallyAsync(async () =>
            {
                await http.GetStringAsync(first.Url("web"));
                var calls = (await telemetry.SpansAsync("/api/telemetry/spans?resource=web&limit=500")).Where(s => s.Kind == SpanKind.Client).Select(s => s.SpanId).ToHashSet();
                var served = new List<Span>();
                foreach (var instance in await telemetry.InstancesAsync("api"))
                {
                    served.AddRange(await telemetry.SpansAsync($"/api/telemetry/spans?resource={Uri.EscapeDataString(instance)}&limit=500"));
                }

                return served.Any(s => s.Kind == SpanKind.Server && s.ParentSpanId is { } parent && calls.Contains(parent));
            }, crossed => crossed, TimeSpan.FromSeconds(30));
        }

        // A line: one ACTIVE, three WAITING.
        var secrets = Ticketing.AppHost.Hosting.AppSecrets.LoadOrCreate(first.DataDirectory);
        var concert = await TestCatalog.CreateConcertAsync(
            $"Host=127.0.0.1;Port={first.Ports["TICKETING_POSTGRES_PORT"]};Username=postgres;Password={secrets.PostgresPassword};Database=ticketing;Pooling=false");
        TestUser[] people;
        QueueTicket[] tickets;
        using (var api = new ApiDriver(apiUrl))
        {
            people = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => api.CreateUserAsync()));
            tickets = new QueueTicket[people.Length];
            for (var i = 0; i < people.Length; i++)
            {
                tickets[i] = await api.JoinAsync(people[i], concert.ConcertId);
                if (i == 0)
                {
                    await api.WaitUntilActiveAsync(people[0], tickets[0]);
                }
            }

            (await Task.WhenAll(people.Skip(1).Select((p, i) => api.QueueStatusAsync(p, tickets[i + 1])))).Select(s => (s.Status, s.Position))
                .ShouldBe([("WAITING", 0L), ("WAITING", 1L), ("WAITING", 2L)]);
        }

        // A closed terminal, an OOM kill or a CI timeout: no chance to stop anything in order. DCP watches the AppHost's pid.
        var cleanedUp = await first.KillAsync();
        output.WriteLine($"SIGKILL of the AppHost: every process of the run ended and every port closed after {cleanedUp.TotalSeconds:F1} s");

        // The next run on the same data (Postgres recovers from the crash). The dev broker's log did not survive; Redis's lines
        // did. Two QueueWorkers start together on the new broker: one recovers under the lease, the other finds it done.
        await using var second = AppHostProcess.Start(new Dictionary<string, string?>(settings) { ["TICKETING_QUEUEWORKER_REPLICAS"] = "2" }, reuse: first);
        await second.WaitReadyAsync();
        using (var telemetry = new DashboardTelemetry(second.DashboardUrl, second.DashboardApiKey))
        {
            async Task<List<string>> RequeuesAsync() => [.. (await telemetry.LogMessagesOfAsync("queueworker"))
                .Where(m => m.Contains("WAITING tokens", StringComparison.Ordinal))];
            await Polling.EventuallyAsync(RequeuesAsync, logs => logs.Count > 0, TimeSpan.FromSeconds(20));
            await Task.Delay(2000); // the other worker's word, if it (wrongly) had one, arrives in its next export batch
            var said = await RequeuesAsync();
            said.Count(m => m.Contains("put 3 WAITING tokens of 1 concerts back in line in their original order", StringComparison.Ordinal))
                .ShouldBe(1, $"one worker requeues, once: {string.Join(" | ", said)}");
            said.ShouldNotContain(m => m.Contains("put 0 WAITING", StringComparison.Ordinal)); // the other finds the epoch recovered and says nothing
        }

        using (var api = new ApiDriver(second.Url("api")))
        {
            (await api.QueueStatusAsync(people[0], tickets[0])).Status.ShouldBe("ACTIVE", "an ACTIVE pass survives the restart");
            (await Task.WhenAll(people.Skip(1).Select((p, i) => api.QueueStatusAsync(p, tickets[i + 1])))).Select(s => (s.Status, s.Position))
                .ShouldBe([("WAITING", 0L), ("WAITING", 1L), ("WAITING", 2L)]);

            // Each one who leaves frees the one slot for the next in the original order: nobody is stuck.
            for (var i = 0; i < people.Length - 1; i++)
            {
                (await api.As(people[i], tickets[i]).LeaveQueueAsync(tickets[i].ConcertId)).ShouldHaveStatus(HttpStatusCode.NoContent);
                await api.WaitUntilActiveAsync(people[i + 1], tickets[i + 1], TimeSpan.FromSeconds(10));
                for (var j = i + 2; j < people.Length; j++)
                {
                    (await api.QueueStatusAsync(people[j], tickets[j])).Status.ShouldBe("WAITING", $"person {j} must not pass person {i + 1}");
                }
            }
        }

        var stopped = await second.StopAsync();
        output.WriteLine($"Ctrl+C: every process of the run ended and every port closed after {stopped.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Outside_connection_strings_make_the_apphost_use_those_servers_and_start_none()
    {
        await using var run = AppHostProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__postgres"] = await fixture.CreateDatabaseAsync($"apphost_outside_{Guid.NewGuid():N}"[..30]),
            ["ConnectionStrings__redis"] = fixture.SpareRedisDatabase(),
            ["ConnectionStrings__kafka"] = fixture.System.Kafka, // the default system's broker, which has the topic
            ["Ticketing__Queue__ConsumerGroup"] = $"apphost-outside-{Guid.NewGuid():N}", // a group of its own: the default system's joins stay its own
        });
        await run.WaitReadyAsync();
        var commands = string.Join('\n', ProcessTree.OfAppHost(run.Process.Id).Select(ProcessTree.CommandLine));
        commands.ShouldNotContain("postgres -D");
        commands.ShouldNotContain("redis-server");
        commands.ShouldNotContain("Ticketing.DevBroker");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        JsonNode.Parse(await http.GetStringAsync(new Uri(run.Url("api"), "/api/concerts")))!.AsArray().Count.ShouldBeGreaterThanOrEqualTo(3);

        await run.StopAsync();
        (await TestCatalog.ScalarAsync<int>(fixture.Postgres, "SELECT 1")).ShouldBe(1, "the outside Postgres is left running");
    }
}
