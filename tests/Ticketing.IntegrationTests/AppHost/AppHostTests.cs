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
    public async Task The_apphost_brings_every_resource_up_with_the_dashboard_and_ctrl_c_leaves_no_process_or_port_behind()
    {
        await using var run = AppHostProcess.Start();
        await run.WaitReadyAsync();
        var processes = ProcessTree.OfAppHost(run.Process.Id);
        var commands = string.Join('\n', processes.Select(ProcessTree.CommandLine));
        foreach (var expected in new[] { "dcp", "Aspire.Dashboard", "postgres", "redis-server", "Ticketing.DevBroker", "Ticketing.Api", "Ticketing.QueueWorker", "Ticketing.Web" })
        {
            commands.ShouldContain(expected, Case.Sensitive, $"{expected} runs under the AppHost");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var api = run.Url("api");
        JsonNode.Parse(await http.GetStringAsync(new Uri(api, "/api/concerts")))!.AsArray().Count.ShouldBeGreaterThanOrEqualTo(3, "the dev catalog is seeded before the Api serves");
        foreach (var service in new[] { "api", "queueworker", "web" })
        {
            (await http.GetAsync(new Uri(run.Url(service), "/health"))).StatusCode.ShouldBe(HttpStatusCode.OK, $"{service} is healthy");
            (await http.GetAsync(new Uri(run.Url(service), "/alive"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await http.GetAsync(new Uri(api, "/openapi/v1.json"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync(run.Url("web"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The console shows the dashboard's sign-in URL (a browser token), the Api and the Web where a newcomer sees them.
        var signIn = System.Text.RegularExpressions.Regex.Match(run.Output, $@"http://127\.0\.0\.1:{run.Ports["DASHBOARD"]}/login\?t=[0-9a-f]+");
        signIn.Success.ShouldBeTrue($"the sign-in URL is printed:{Environment.NewLine}{run.Tail}");
        run.Output.ShouldContain($"==> Api (OpenAPI at /openapi/v1.json, Swagger UI at /swagger) is ready: {api.ToString().TrimEnd('/')}");
        var page = await http.GetAsync(signIn.Value);
        page.StatusCode.ShouldBe(HttpStatusCode.OK, "the token signs the browser in");

        // The services export to the dashboard: a page of the Web calls the Api in the same trace.
        using var telemetry = new DashboardTelemetry(run.DashboardUrl, run.DashboardApiKey);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        bool crossed;
        do
        {
            await http.GetStringAsync(run.Url("web"));
            await Task.Delay(500);
            var webCalls = (await telemetry.SpansAsync("/api/telemetry/spans?resource=web&limit=500")).Where(s => s.Kind == SpanKind.Client).Select(s => s.SpanId).ToHashSet();
            crossed = (await telemetry.SpansAsync("/api/telemetry/spans?resource=api&limit=500")).Any(s => s.Kind == SpanKind.Server && s.ParentSpanId is { } parent && webCalls.Contains(parent));
        }
        while (!crossed && DateTime.UtcNow < deadline);
        crossed.ShouldBeTrue("an Api request is the child of the Web's call in one trace");
        (await telemetry.ResourcesWithTracesAsync()).ShouldContain("web");

        var stopped = await run.StopAsync();
        output.WriteLine($"Ctrl+C: every process of the run ended and every port closed after {stopped.TotalSeconds:F1} s");
        processes.Count.ShouldBeGreaterThanOrEqualTo(8, "StopAsync watched the whole run");
    }

    [Fact]
    public async Task An_apphost_killed_with_sigkill_leaves_no_process_or_port_within_30_s_and_the_next_run_starts()
    {
        // Two Api replicas (WithReplicas): one more child to leave behind.
        await using var first = AppHostProcess.Start(new Dictionary<string, string?> { ["TICKETING_API_REPLICAS"] = "2" });
        await first.WaitReadyAsync();
        var processes = ProcessTree.OfAppHost(first.Process.Id);
        processes.Count(p => ProcessTree.CommandLine(p).Contains("Ticketing.Api.dll", StringComparison.Ordinal) || ProcessTree.CommandLine(p).EndsWith("Ticketing.Api", StringComparison.Ordinal))
            .ShouldBeGreaterThanOrEqualTo(2, "two Api replicas run");

        // A closed terminal, an OOM kill or a CI timeout: no chance to stop anything in order. DCP watches the AppHost's pid.
        var cleanedUp = await first.KillAsync();
        output.WriteLine($"SIGKILL of the AppHost: everything it started was gone after {cleanedUp.TotalSeconds:F1} s");

        // The next run on the same data folder starts (Postgres recovers from the crash), and stops cleanly.
        await using var second = AppHostProcess.Start(reuse: first);
        await second.WaitReadyAsync();
        using var http = new HttpClient();
        (await http.GetAsync(new Uri(second.Url("api"), "/health"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await second.StopAsync();
    }

    [Fact]
    public async Task After_a_restart_on_the_same_data_the_people_waiting_are_back_in_line_in_their_order_and_the_active_stay_active()
    {
        // The dev broker's log does not survive a restart; Redis's lines do. Capacity 1: one ACTIVE, three WAITING.
        var settings = new Dictionary<string, string?>
        {
            ["Ticketing__Queue__ActiveCapacity"] = "1",
            ["Ticketing__Queue__AdmissionInterval"] = "00:00:00.200",
        };
        await using var first = AppHostProcess.Start(settings);
        await first.WaitReadyAsync();
        var secrets = Ticketing.AppHost.Hosting.AppSecrets.LoadOrCreate(first.DataDirectory);
        var postgres = $"Host=127.0.0.1;Port={first.Ports["TICKETING_POSTGRES_PORT"]};Username=postgres;Password={secrets.PostgresPassword};Database=ticketing;Pooling=false";
        var concert = await TestCatalog.CreateConcertAsync(postgres);
        TestUser[] people;
        QueueTicket[] tickets;
        using (var api = new ApiDriver(first.Url("api")))
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

        await first.StopAsync();

        // Two QueueWorkers start together on the new broker: one recovers under the lease, the other waits and finds it done.
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

        await second.StopAsync();
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

/// <summary>
/// The tests that run whole AppHosts (each with DCP, a dashboard and every server) and kill processes: one at a time, and not
/// beside other collections' short timing windows.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostRuns
{
    public const string Name = "AppHost runs";
}
