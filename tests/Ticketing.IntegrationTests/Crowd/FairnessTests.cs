using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using StackExchange.Redis;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Crowd;

/// <summary>
/// First come, first admitted: 10,000 joins for one concert drain through an active set of 50 while the test samples
/// the active set's size and a spread of waiting users' positions, then checks every admission's number against the
/// join order Kafka recorded.
/// </summary>
[Trait("Category", "Crowd")]
[Collection(HeavyRuns.Name)]
public class FairnessTests(DefaultSystem fixture)
{
    private const int Joins = 10_000;
    private const int Capacity = 50;

    private static readonly Dictionary<string, string> Fair = new()
    {
        ["Ticketing__Queue__ActiveCapacity"] = Capacity.ToString(),
        ["Ticketing__Queue__AdmissionBatchSize"] = Capacity.ToString(),
        ["Ticketing__Queue__AdmissionInterval"] = "00:00:00.050",
        ["Ticketing__Queue__AbandonAfter"] = "00:30:00",
        ["Ticketing__Queue__ActiveTtl"] = "00:30:00",
        ["Ticketing__RateLimits__Enabled"] = "false", // 10,000 joins from one address within seconds, on purpose
    };

    /// <summary>The system of the fairness line (its settings above).</summary>
    internal static Task<TestSystem> FairSystemAsync(DefaultSystem fixture) => fixture.CustomAsync("fair", Fair);

    [Fact]
    public async Task Ten_thousand_joins_are_admitted_in_exactly_join_order_with_positions_only_moving_forward_and_the_active_set_never_over_capacity()
    {
        var output = TestContext.Current.TestOutputHelper;
        var system = await FairSystemAsync(fixture);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var users = await system.CreateUsersAsync(Joins);
        using var redis = await ConnectionMultiplexer.ConnectAsync(system.Redis);
        var db = redis.GetDatabase();

        var clock = Stopwatch.StartNew();
        var tickets = await Crowds.JoinAllAsync(api, users, concert.ConcertId);
        var joinSeconds = clock.Elapsed.TotalSeconds;
        var tokenIds = tickets.Select(t => TokenId(t.Token)).ToArray();

        // Join order = the order Kafka gave the joins (their offsets in the concert's partition).
        var offsets = await Task.WhenAll(tokenIds.Select(id => db.HashGetAsync($"wr:tok:{id:N}", "offset")));
        offsets.ShouldAllBe(o => o.HasValue);
        var joinOrder = Enumerable.Range(0, Joins).OrderBy(i => (long)offsets[i]).ToArray();
        var byToken = Enumerable.Range(0, Joins).ToDictionary(i => tokenIds[i].ToString("N"));

        using var stop = new CancellationTokenSource();
        var maxActive = 0L;
        var capacitySamples = 0;
        var capacitySampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var active = await db.SortedSetLengthAsync($"wr:{concert.ConcertId:N}:active");
                maxActive = Math.Max(maxActive, active);
                capacitySamples++;
                await Task.Delay(10);
            }
        });

        // 40 users spread over the line, polled in reverse join order (so a later joiner is always read first).
        var sampled = Enumerable.Range(0, 40).Select(k => joinOrder[k * (Joins / 40)]).ToArray();
        var history = sampled.ToDictionary(i => i, _ => new List<(double At, string Status, long Position, long Eta)>());
        var positionSampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var round = new List<(int User, long Position)>();
                foreach (var i in sampled.Reverse())
                {
                    if (history[i].Count > 0 && history[i][^1].Status != "WAITING")
                    {
                        continue;
                    }

                    var state = await api.QueueStatusAsync(users[i], tickets[i]);
                    var (status, position) = (state.Status, state.Position);
                    history[i].Add((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, status, position, state.EstimatedWaitSeconds));
                    if (status == "WAITING")
                    {
                        round.Add((i, position));
                    }
                }

                // Within one round, in join order, every waiting user has fewer ahead than anyone who joined later.
                var inJoinOrder = round.OrderBy(r => (long)offsets[r.User]).Select(r => r.Position).ToList();
                for (var k = 1; k < inJoinOrder.Count; k++)
                {
                    inJoinOrder[k].ShouldBeGreaterThan(inJoinOrder[k - 1], "a later joiner was reported ahead of an earlier one");
                }

                await Task.Delay(200);
            }
        });

        // The drain: whoever is ACTIVE leaves at once, which frees the slot for the next in line.
        var drainStart = clock.Elapsed.TotalSeconds;
        var drainStartUnix = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var left = new ConcurrentDictionary<string, bool>();
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (true)
        {
            var admitted = (long)await db.StringGetAsync($"wr:{concert.ConcertId:N}:admitted");
            var active = await db.SortedSetRangeByRankAsync($"wr:{concert.ConcertId:N}:active");
            if (admitted == Joins && active.Length == 0)
            {
                break;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the line stalled: {admitted} of {Joins} admitted");
            await Parallel.ForEachAsync(active.Select(a => (string)a!).Where(id => left.TryAdd(id, true)), new ParallelOptions { MaxDegreeOfParallelism = 32 },
                async (id, _) =>
                {
                    var i = byToken[id];
                    (await api.As(users[i], tickets[i]).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
                });
            await Task.Delay(5);
        }

        var drainSeconds = clock.Elapsed.TotalSeconds - drainStart;
        await stop.CancelAsync();
        await Task.WhenAll(capacitySampler, positionSampler);

        // Admission numbers, read in join order, are exactly 1, 2, 3, …, 10,000.
        var sequence = await Task.WhenAll(joinOrder.Select(i => db.HashGetAsync($"wr:tok:{tokenIds[i]:N}", "admittedSeq")));
        var outOfOrder = Enumerable.Range(0, Joins).Where(k => (long)sequence[k] != k + 1).Take(5).ToList();
        outOfOrder.ShouldBeEmpty($"admitted out of join order at join positions {string.Join(", ", outOfOrder)}");

        maxActive.ShouldBeLessThanOrEqualTo(Capacity);
        capacitySamples.ShouldBeGreaterThan(10);

        var waits = new List<(double Estimated, double Actual)>();
        var steadyWaits = new List<(double Estimated, double Actual)>();
        foreach (var (user, samples) in history)
        {
            var waiting = samples.Where(s => s.Status == "WAITING").ToList();
            for (var k = 1; k < waiting.Count; k++)
            {
                waiting[k].Position.ShouldBeLessThanOrEqualTo(waiting[k - 1].Position, "a position moved backwards");
            }

            // EXPIRED only after the drain made the admitted user leave.
            if (samples.Any(s => s.Status == "EXPIRED"))
            {
                left.ContainsKey(tokenIds[user].ToString("N")).ShouldBeTrue("a waiting user's pass ended without leaving");
            }
            if (waiting.Count >= 2 && waiting[0].Position > Capacity)
            {
                waiting[^1].Position.ShouldBeLessThan(waiting[0].Position, "a waiting position never moved");
            }

            if (waiting.Count > 0)
            {
                var admittedAt = (long)await db.HashGetAsync($"wr:tok:{tokenIds[user]:N}", "admittedAt") / 1000.0;
                waits.Add((waiting[0].Eta, admittedAt - waiting[0].At));
                if (waiting.FirstOrDefault(w => w.At >= drainStartUnix + 3) is { Status: "WAITING" } steady)
                {
                    steadyWaits.Add((steady.Eta, admittedAt - steady.At));
                }
            }
        }

        var report = new StringBuilder();
        report.AppendLine($"{Joins} joins in {joinSeconds:F1} s ({Joins / joinSeconds:F0}/s, 64 concurrent); drained through capacity {Capacity} in {drainSeconds:F1} s ({Joins / drainSeconds:F0} admissions/s)");
        report.AppendLine($"active set: max {maxActive} of {Capacity} over {capacitySamples} samples");
        Report(report, "when the drain starts (the line had stood still while the joins came in)", waits);
        Report(report, "once the line had moved for 3 s", steadyWaits);

        output?.WriteLine(report.ToString());
    }

    private static void Report(StringBuilder report, string when, List<(double Estimated, double Actual)> waits)
    {
        if (waits.Count == 0)
        {
            return;
        }

        var errors = waits.Select(w => w.Actual - w.Estimated).ToList();
        report.AppendLine($"estimatedWaitSeconds vs real wait, {when}, {waits.Count} sampled users: mean error {errors.Average():F1} s (real − estimate), " +
            $"mean |error| {errors.Average(Math.Abs):F1} s, max estimate {waits.Max(w => w.Estimated):F0} s, max real {waits.Max(w => w.Actual):F1} s");
    }

    private static Guid TokenId(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        return Guid.Parse(JsonNode.Parse(Convert.FromBase64String(payload))!["jti"]!.GetValue<string>());
    }
}
