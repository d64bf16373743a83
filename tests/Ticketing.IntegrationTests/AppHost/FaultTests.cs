using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Refit;
using Ticketing.AppHost.Hosting;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.AppHost;

/// <summary>
/// Self-healing on the Aspire model: the AppHost's own model started through Aspire.Hosting.Testing with its restart policy on
/// (<see cref="RestartOnCrash"/>, as in <c>./run.sh</c>), and the real process of each resource killed with SIGKILL while a crowd
/// holds and pays and a line moves, one after the other. Each must be back by itself within 15 s; meanwhile the Api answers 503
/// with Retry-After, never 500; afterwards the line was admitted in join order, no seat is sold twice and every balance is its
/// history.
/// </summary>
[Collection(FaultRuns.Name)]
[Trait("Category", "Faults")]
public class FaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Redis_Postgres_the_broker_the_Api_and_the_QueueWorker_killed_under_a_crowd_each_come_back_within_15_s_with_503s_meanwhile_and_nothing_oversold()
    {
        // Capacity 10 per concert: the 8 buyers fit; a second concert's line of 30 moves only as its active people leave.
        await using var system = await TestSystem.StartAsync("faults", new Dictionary<string, string>
        {
            ["TICKETING_RESTARTS"] = "on",
            ["Ticketing__Queue__ActiveCapacity"] = "10",
            // The eight buyers fire holds as fast as they can, as a crowd of thousands would in sum: with the per-user limits on,
            // four answers in five were 429s from the limiter, which touches neither Redis nor Postgres, and the outages went
            // almost unseen (one 503 in a run). Limits are tested in LimitsTests.
            ["Ticketing__RateLimits__Enabled"] = "false",
        }, configure: builder =>
        {
            foreach (var redis in builder.Resources.OfType<RedisServerResource>())
            {
                redis.Durable = true; // the waiting room's lines survive a crash of Redis (AOF, fsync every second)
            }
        });
        using var states = new ResourceStates(system.App);
        var api = system.Driver;
        var postgres = new NpgsqlConnectionStringBuilder(system.Postgres) { Pooling = false }.ConnectionString; // Postgres restarts mid-test
        var concert = (await TestCatalog.CreateConcertAsync(postgres, schedules: 60)).ConcertId; // 3,000 seats: the crowd never runs out
        var buyers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => api.CreateUserAsync(initialBalance: 10_000_000)));
        var tickets = new ConcurrentDictionary<Guid, QueueTicket>();
        foreach (var buyer in buyers)
        {
            tickets[buyer.UserId] = await api.AdmitAsync(buyer, concert);
        }

        var schedules = (await api.As(buyers[0], tickets[buyers[0].UserId]).GetSchedulesAsync(concert)).ShouldReturn().Select(s => s.ScheduleId).ToArray();
        var answers = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var crowd = Task.WhenAll(buyers.Select(buyer => BuyUntilStoppedAsync(api, buyer, concert, schedules, tickets, answers, stop.Token)));

        // A waiting line that moves through the faults: 30 join one after the other; whoever is ACTIVE leaves after a moment.
        var line = (await TestCatalog.CreateConcertAsync(postgres)).ConcertId;
        var waiting = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => api.CreateUserAsync()));
        var places = new List<QueueTicket>();
        foreach (var person in waiting)
        {
            places.Add(await api.JoinAsync(person, line));
        }

        var moving = MoveTheLineAsync(api, waiting, places, stop.Token);

        foreach (var resource in new[] { "redis", "postgres", "kafka", "api", "queueworker" })
        {
            await Task.Delay(TimeSpan.FromSeconds(2)); // the crowd at work before each fault
            var (launcher, pid) = states.Process(resource);
            var worker = states.Process("queueworker").Launcher;
            var killed = Stopwatch.StartNew();
            Native.Signal(pid, Native.SigKill).ShouldBeTrue($"{resource} (pid {pid}) was running");
            await WaitUntilBackAsync(states, resource, launcher, api, killed);
            if (resource == "kafka")
            {
                await WaitUntilBackAsync(states, "queueworker", worker, api, killed); // restarted with the new broker (RestartWith)
            }

            output.WriteLine($"{resource}: back {killed.Elapsed.TotalSeconds:F1} s after SIGKILL; answers so far: {Summary(answers)}");
            killed.Elapsed.ShouldBeLessThan(Recovery, $"{resource} came back too late");
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await crowd;
        await moving;
        output.WriteLine($"answers: {Summary(answers)}");

        // The line moved in join order through every fault, and nobody was admitted twice (admit.lua numbers each admission).
        using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(system.Redis))
        {
            var sequence = new List<long>();
            foreach (var place in places)
            {
                var admitted = await redis.GetDatabase().HashGetAsync($"wr:tok:{TokenId(place.Token):N}", "admittedSeq");
                if (admitted.HasValue)
                {
                    sequence.Add((long)admitted);
                }
            }

            output.WriteLine($"line of 30: {sequence.Count} admitted, in the order {string.Join(",", sequence)}");
            sequence.Count.ShouldBeGreaterThan(10, "the line moved while things were killed");
            sequence.ShouldBe(Enumerable.Range(1, sequence.Count).Select(n => (long)n), "admitted in join order, each once, no gaps");
            ((long)await redis.GetDatabase().StringGetAsync($"wr:{line:N}:admitted")).ShouldBe(sequence.Count, "no admission beyond these");
            for (var i = sequence.Count; i < places.Count; i++)
            {
                (await redis.GetDatabase().HashGetAsync($"wr:tok:{TokenId(places[i].Token):N}", "status")).ToString().ShouldBe("WAITING", $"person {i} is still in line, not lost");
            }
        }

        answers.ShouldNotContain("500", "never a 500, whatever is down");
        answers.ShouldNotContain("503 without Retry-After");
        answers.Count(a => a == "201 paid").ShouldBeGreaterThan(20, "the crowd bought seats between the faults");
        answers.ShouldContain(a => a.StartsWith("503", StringComparison.Ordinal) || a == "unreachable", "the faults were felt");

        await using var db = new NpgsqlConnection(postgres);
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM (SELECT 1 FROM reservations GROUP BY schedule_id, seat_number HAVING count(*) > 1) d")).ShouldBe(0, "no seat sold twice");
        (await db.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM users u WHERE u.balance <> COALESCE((SELECT sum(CASE h.kind WHEN 'PAYMENT' THEN -h.amount ELSE h.amount END)
                                                                      FROM balance_history h WHERE h.user_id = u.id), 0)
            """)).ShouldBe(0, "every balance is its history");
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM payments p WHERE NOT EXISTS (SELECT 1 FROM balance_history h WHERE h.payment_id = p.id)"))
            .ShouldBe(0, "every payment has its history row");
    }

    // Holds a random seat and pays it, again and again, counting every answer; a lost queue token is replaced by a new join.
    private static async Task BuyUntilStoppedAsync(ApiDriver api, TestUser buyer, Guid concert, Guid[] schedules,
        ConcurrentDictionary<Guid, QueueTicket> tickets, ConcurrentBag<string> answers, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var ticket = tickets[buyer.UserId];
                var hold = await api.As(buyer, ticket).HoldSeatAsync(new HoldRequest(schedules[Random.Shared.Next(schedules.Length)], Random.Shared.Next(1, 51)), stop);
                Count(hold, answers, "hold");
                if (hold.IsSuccessStatusCode)
                {
                    // A 503 is "retry" (API.md): the buyer pays again with the same Idempotency-Key until an answer is final, as a
                    // client should; otherwise each buyer's four unpaid holds would block them (HOLD_LIMIT_REACHED) until they expire.
                    var paid = await api.As(buyer, ticket).PayAsync(new PaymentRequest(hold.Content!.HoldId), $"pay-{hold.Content.HoldId}", stop);
                    Count(paid, answers, "paid");
                    while (paid.StatusCode == HttpStatusCode.ServiceUnavailable && !stop.IsCancellationRequested)
                    {
                        await Task.Delay(250, stop);
                        paid = await api.As(buyer, ticket).PayAsync(new PaymentRequest(hold.Content.HoldId), $"pay-{hold.Content.HoldId}", stop);
                        Count(paid, answers, "paid");
                    }
                }
                else if (hold.Problem()?.Code is "QUEUE_TOKEN_EXPIRED" or "QUEUE_TOKEN_INVALID")
                {
                    // Paying for the last held seat ends the pass (API.md), and a token can be lost with Redis's last second.
                    var join = await api.As(buyer).JoinQueueAsync(concert, cancellationToken: stop);
                    if (join.IsSuccessStatusCode)
                    {
                        tickets[buyer.UserId] = new QueueTicket(concert, join.Content!.QueueToken, join.Content.Status, join.Content.Position);
                    }
                }

                // About eight purchases a second per buyer: the seats and the points last through all five faults (at 20 ms the
                // eight bought 780 seats in the first five seconds and were out of points before Postgres was killed).
                await Task.Delay(100, stop);
            }
            catch (HttpRequestException)
            {
                answers.Add("unreachable"); // the Api itself is down: no HTTP answer at all
                await Task.Delay(100, CancellationToken.None);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // Whoever is ACTIVE in the line leaves after 700 ms, freeing the slot for the next (the 30 take about as long as the faults);
    // errors while something is down are retried.
    private static async Task MoveTheLineAsync(ApiDriver api, TestUser[] people, List<QueueTicket> places, CancellationToken stop)
    {
        var left = new bool[people.Length];
        while (!stop.IsCancellationRequested)
        {
            for (var i = 0; i < people.Length && !stop.IsCancellationRequested; i++)
            {
                if (left[i])
                {
                    continue;
                }

                try
                {
                    var status = await api.As(people[i], places[i]).GetQueueStatusAsync(places[i].ConcertId, stop);
                    if (status.IsSuccessStatusCode && status.Content!.Status == "ACTIVE")
                    {
                        await Task.Delay(700, stop);
                        left[i] = (await api.As(people[i], places[i]).LeaveQueueAsync(places[i].ConcertId, stop)).IsSuccessStatusCode;
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpRequestException)
                {
                    // The Api is down for a moment: the heartbeat resumes when it is back.
                }
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    // The queue token's id: its jti claim (JWT payload, base64url JSON).
    private static Guid TokenId(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        return Guid.Parse(System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.GetProperty("jti").GetString()!);
    }

    private static void Count(IApiResponse response, ConcurrentBag<string> answers, string what)
    {
        var status = (int)(response.StatusCode ?? 0);
        if (status == 503 && response.Headers?.RetryAfter is null)
        {
            answers.Add("503 without Retry-After");
        }

        answers.Add(status switch
        {
            0 => "unreachable", // no HTTP answer: the Api itself is down
            201 => $"201 {what}",
            >= 500 => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => $"{status} {what} {response.Problem()?.Code}",
        });
    }

    // Back = the resource Running again on a new process (DCP's launcher pid changed), healthy if it has a health check, and an
    // Api that answers /health with 200.
    private static async Task WaitUntilBackAsync(ResourceStates states, string resource, int killedLauncher, ApiDriver api, Stopwatch since)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (since.Elapsed < Recovery + TimeSpan.FromSeconds(15))
        {
            if (states.Latest(resource) is { } snapshot && snapshot.State?.Text == KnownResourceStates.Running
                && ResourceStates.Pid(snapshot) is { } launcher && launcher != killedLauncher
                && (snapshot.HealthReports.IsEmpty || snapshot.HealthStatus == HealthStatus.Healthy))
            {
                try
                {
                    if ((await http.GetAsync(new Uri(api.ApiUrl, "/health"))).StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }
            }

            await Task.Delay(100);
        }

        throw new ShouldAssertException($"{resource} was not back within {since.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>The latest snapshot of each resource of a running app (by resource name), from Aspire's resource notifications.</summary>
    private sealed class ResourceStates : IDisposable
    {
        private readonly ConcurrentDictionary<string, CustomResourceSnapshot> _latest = new();
        private readonly CancellationTokenSource _stop = new();

        public ResourceStates(DistributedApplication app) => _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var update in app.ResourceNotifications.WatchAsync(_stop.Token))
                {
                    _latest[update.Resource.Name] = update.Snapshot;
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        public CustomResourceSnapshot? Latest(string resource) => _latest.GetValueOrDefault(resource);

        /// <summary>The OS process id DCP reports for a resource (Aspire's <c>executable.pid</c> property).</summary>
        public static int? Pid(CustomResourceSnapshot snapshot) => snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value as int?;

        /// <summary>
        /// The process DCP started for <paramref name="resource"/> and the one that does its work — the same for Redis and the broker;
        /// a project (run as its built program, <c>dotnet exec</c>); the postmaster under the bash launcher for Postgres.
        /// </summary>
        public (int Launcher, int Process) Process(string resource)
        {
            var launcher = Latest(resource) is { } snapshot && Pid(snapshot) is { } pid ? pid
                : throw new ShouldAssertException($"{resource} has no process id in its snapshot");
            var command = ProcessTree.CommandLine(launcher);
            return command.StartsWith("bash ", StringComparison.Ordinal)
                ? (launcher, ProcessTree.Children(launcher).First(ProcessTree.IsAlive))
                : (launcher, launcher);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    private static string Summary(IEnumerable<string> answers) =>
        string.Join(", ", answers.GroupBy(a => a).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}"));
}
