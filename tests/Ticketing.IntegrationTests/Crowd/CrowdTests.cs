using System.Collections.Concurrent;
using System.Net;
using Dapper;
using Npgsql;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Crowd;

/// <summary>
/// The promises of a sale's opening minute, each fired as real concurrent HTTP requests at the real Api
/// (issue "Correct under a crowd"): one winner per seat, no sale after a hold ran out, exact point sums.
/// The big sizes carry the <c>Crowd</c> category; the README test command runs them.
/// </summary>
[Trait("Category", "Crowd")]
[Collection(HeavyRuns.Name)]
public class CrowdTests(DefaultSystem fixture)
{
    private static readonly Dictionary<string, string> Crowd = new()
    {
        ["Ticketing__Queue__ActiveCapacity"] = "2000",
        ["Ticketing__Queue__AdmissionBatchSize"] = "2000",
        ["Ticketing__Queue__AbandonAfter"] = "00:10:00",
        ["Ticketing__RateLimits__Enabled"] = "false", // a crowd from one address and one user firing at once, on purpose
    };

    private static readonly Dictionary<string, string> ExpiryEdge = new()
    {
        ["Ticketing__Queue__ActiveCapacity"] = "1000",
        ["Ticketing__Queue__AdmissionBatchSize"] = "1000",
        ["Ticketing__Queue__AbandonAfter"] = "00:10:00",
        ["Ticketing__Holds__Duration"] = "00:00:02",
        ["Ticketing__RateLimits__Enabled"] = "false",
    };

    /// <summary>The shared system of the crowds here: an active set of 2,000, rate limits off.</summary>
    internal static Task<TestSystem> CrowdSystemAsync(DefaultSystem fixture) => fixture.CustomAsync("crowd", Crowd);

    /// <summary>The shared system of the expiry-edge tests: an active set of 1,000, holds of 2 s, rate limits off.</summary>
    internal static Task<TestSystem> ExpiryEdgeSystemAsync(DefaultSystem fixture) => fixture.CustomAsync("expiry-edge", ExpiryEdge);

    [Fact]
    public async Task A_thousand_active_users_holding_one_seat_at_once_give_exactly_one_winner()
    {
        var system = await CrowdSystemAsync(fixture);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var users = await system.CreateUsersAsync(1000);
        var tickets = await Crowds.AdmitAllAsync(system.Driver, users, concert.ConcertId);

        var responses = await Task.WhenAll(users.Select((u, i) => system.Driver.HoldAsync(u, tickets[i], concert.ScheduleIds[0], 7)));

        responses.Count(r => r.StatusCode >= HttpStatusCode.InternalServerError).ShouldBe(0);
        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        refused.Count.ShouldBe(999);
        foreach (var response in refused)
        {
            response.ShouldBeProblem(409, "SEAT_UNAVAILABLE");
        }

        var winner = Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.Created);
        var seats = (await system.Driver.As(users[winner], tickets[winner]).GetSeatsAsync(concert.ScheduleIds[0])).ShouldReturn();
        seats.Single(s => s.SeatNumber == 7).Status.ShouldBe("HELD");
    }

    [Fact]
    public async Task Payments_fired_across_the_hold_expiry_edge_never_sell_a_seat_twice_and_a_410_debits_nothing()
    {
        var system = await ExpiryEdgeSystemAsync(fixture);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        const int seats = 40;
        const long initial = 1_000_000;
        var owners = await system.CreateUsersAsync(seats);
        var rivals = await system.CreateUsersAsync(seats);
        await Crowds.ChargeAllAsync(api, [.. owners, .. rivals], initial);
        var ownerTickets = await Crowds.AdmitAllAsync(api, owners, concert.ConcertId);
        var rivalTickets = await Crowds.AdmitAllAsync(api, rivals, concert.ConcertId);
        var scheduleId = concert.ScheduleIds[0];

        var holds = await Task.WhenAll(Enumerable.Range(0, seats).Select(i => api.HoldOkAsync(owners[i], ownerTickets[i], scheduleId, i + 1)));
        var heldAt = DateTime.UtcNow;

        // Owner i pays 1.5 s + i × 25 ms after holding (before, at and after the 2 s expiry); rival i keeps trying to take the seat
        // from 1.9 s on and pays at once when it gets it.
        var ownerResults = new HttpStatusCode[seats];
        var rivalPaid = new bool[seats];
        var ownerTasks = Enumerable.Range(0, seats).Select(async i =>
        {
            await Until(heldAt.AddMilliseconds(1500 + i * 25));
            var response = await api.PayAsync(owners[i], ownerTickets[i], holds[i]);
            response.IsReceived.ShouldBeTrue(response.Error?.Message);
            ((int)response.StatusCode).ShouldBeLessThan(500, response.Body());
            ownerResults[i] = response.StatusCode!.Value;
            if (response.StatusCode != HttpStatusCode.Created)
            {
                response.ShouldBeProblem(410, "HOLD_EXPIRED");
            }
        });
        var rivalTasks = Enumerable.Range(0, seats).Select(async i =>
        {
            await Until(heldAt.AddMilliseconds(1900));
            var giveUp = heldAt.AddMilliseconds(4000);
            while (DateTime.UtcNow < giveUp)
            {
                var hold = await api.HoldAsync(rivals[i], rivalTickets[i], scheduleId, i + 1);
                hold.IsReceived.ShouldBeTrue(hold.Error?.Message);
                ((int)hold.StatusCode).ShouldBeLessThan(500);
                if (hold.StatusCode == HttpStatusCode.Created)
                {
                    var holdId = hold.ShouldReturn(HttpStatusCode.Created).HoldId;
                    var pay = await api.PayAsync(rivals[i], rivalTickets[i], holdId);
                    pay.IsReceived.ShouldBeTrue(pay.Error?.Message);
                    ((int)pay.StatusCode).ShouldBeLessThan(500);
                    rivalPaid[i] = pay.StatusCode == HttpStatusCode.Created;
                    return;
                }

                await Task.Delay(20);
            }
        });
        await Task.WhenAll(ownerTasks.Concat(rivalTasks));

        await using var db = new NpgsqlConnection(system.Postgres);
        // Never two reservations of one seat (the UNIQUE constraint is the arbiter; this checks nobody got around it).
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM (SELECT seat_number FROM reservations WHERE schedule_id = @scheduleId GROUP BY seat_number HAVING count(*) > 1) d",
            new { scheduleId })).ShouldBe(0);
        for (var i = 0; i < seats; i++)
        {
            var price = TestCatalog.PriceOf(i + 1);
            var ownerPaid = ownerResults[i] == HttpStatusCode.Created;
            (await api.BalanceAsync(owners[i])).ShouldBe(ownerPaid ? initial - price : initial, $"owner of seat {i + 1} ({ownerResults[i]})");
            (await api.BalanceAsync(rivals[i])).ShouldBe(rivalPaid[i] ? initial - price : initial, $"rival for seat {i + 1}");
            (ownerPaid && rivalPaid[i]).ShouldBeFalse($"seat {i + 1} was paid by both");
        }

        // Points are conserved: what left the balances is exactly what the payments and reservations record.
        var ids = owners.Concat(rivals).Select(u => u.UserId).ToArray();
        var spent = ids.Length * initial - await db.ExecuteScalarAsync<long>("SELECT sum(balance) FROM users WHERE id = ANY(@ids)", new { ids });
        (await db.ExecuteScalarAsync<long>("SELECT coalesce(sum(amount), 0) FROM payments WHERE user_id = ANY(@ids)", new { ids })).ShouldBe(spent);
        (await db.ExecuteScalarAsync<long>("SELECT coalesce(sum(price), 0) FROM reservations WHERE user_id = ANY(@ids)", new { ids })).ShouldBe(spent);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"owners paid {ownerResults.Count(r => r == HttpStatusCode.Created)}/{seats}, 410 {ownerResults.Count(r => r == HttpStatusCode.Gone)}, rivals paid {rivalPaid.Count(p => p)}");

        // The test reached the edge: some owners paid before it, some were too late, and some rivals bought what ran out.
        ownerResults.ShouldContain(HttpStatusCode.Created, "an owner paid before the expiry");
        ownerResults.ShouldContain(HttpStatusCode.Gone, "an owner came after the expiry");
        rivalPaid.ShouldContain(true, "a rival bought a seat whose hold ran out");
    }

    [Fact]
    public async Task A_hold_that_ran_out_and_was_sold_to_someone_else_answers_410_and_leaves_the_first_balance_untouched()
    {
        var system = await ExpiryEdgeSystemAsync(fixture);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var a = await api.CreateUserAsync(initialBalance: 500_000);
        var b = await api.CreateUserAsync(initialBalance: 500_000);
        var aTicket = await api.AdmitAsync(a, concert.ConcertId);
        var bTicket = await api.AdmitAsync(b, concert.ConcertId);
        var aHold = await api.HoldOkAsync(a, aTicket, concert.ScheduleIds[0], 30);

        await Task.Delay(TimeSpan.FromSeconds(2.3));
        var bHold = await api.HoldOkAsync(b, bTicket, concert.ScheduleIds[0], 30);
        (await api.PayAsync(b, bTicket, bHold)).ShouldHaveStatus(HttpStatusCode.Created);
        (await api.PayAsync(a, aTicket, aHold)).ShouldBeProblem(410, "HOLD_EXPIRED");

        (await api.BalanceAsync(a)).ShouldBe(500_000);
        (await api.BalanceAsync(b)).ShouldBe(500_000 - TestCatalog.RPrice);
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM balance_history WHERE user_id = @id AND kind = 'PAYMENT'", new { id = a.UserId })).ShouldBe(0);
    }

    [Fact]
    public async Task A_hold_racing_its_owners_last_payment_keeps_the_pass_or_is_refused_and_never_leaves_an_unpayable_seat()
    {
        // The payment revokes the pass when the owner holds nothing else of the concert; a hold fired at the same moment must
        // either count (the pass stays ACTIVE and the seat can be paid) or be refused (401, the seat stays AVAILABLE) — never a
        // seat held for minutes by someone whose pass is gone. Fired for 40 users at once.
        var api = fixture.Driver;
        var concert = await TestCatalog.CreateConcertAsync(fixture.Postgres, schedules: 2);
        var users = await fixture.System.CreateUsersAsync(40);
        var outcomes = await Task.WhenAll(users.Select(async (user, i) =>
        {
            (await api.ChargeAsync(user, 1_000_000)).ShouldReturn();
            var ticket = await api.AdmitAsync(user, concert.ConcertId);
            var first = await api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], i + 1);
            var pay = api.PayAsync(user, ticket, first);
            var second = api.HoldAsync(user, ticket, concert.ScheduleIds[1], i + 1);
            (await pay).ShouldReturn(HttpStatusCode.Created);
            var hold = await second;
            if (hold.IsSuccessStatusCode)
            {
                (await api.PayAsync(user, ticket, hold.Content!.HoldId)).ShouldReturn(HttpStatusCode.Created);
                return "held and paid";
            }

            hold.ShouldBeProblem(401, "QUEUE_TOKEN_EXPIRED");
            return "refused";
        }));

        var viewer = await api.CreateUserAsync();
        var seats = (await api.As(viewer, await api.AdmitAsync(viewer, concert.ConcertId)).GetSeatsAsync(concert.ScheduleIds[1])).ShouldReturn();
        for (var i = 0; i < users.Length; i++)
        {
            seats[i].Status.ShouldBe(outcomes[i] == "held and paid" ? "SOLD" : "AVAILABLE", $"user {i}: {outcomes[i]}");
        }

        (await TestCatalog.ScalarAsync<long>(fixture.Postgres, "SELECT count(*) FROM reservations WHERE schedule_id = ANY(@ids)", new { ids = concert.ScheduleIds.ToArray() }))
            .ShouldBe(users.Length + outcomes.Count(o => o == "held and paid"));
    }

    [Fact]
    public async Task A_thousand_concurrent_charges_of_one_user_add_up_to_the_exact_sum_with_one_history_row_each()
    {
        var system = await CrowdSystemAsync(fixture); // one user firing 1,000 charges at once: far past the per-user limit
        var api = system.Driver;
        var user = await api.CreateUserAsync();
        const int count = 1000;
        var responses = await Task.WhenAll(Enumerable.Range(1, count).Select(i => api.ChargeAsync(user, i)));
        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(count);
        (await api.BalanceAsync(user)).ShouldBe(count * (count + 1L) / 2);
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM balance_history WHERE user_id = @id AND kind = 'CHARGE'", new { id = user.UserId }))
            .ShouldBe(count);
        // Each row's balanceAfter is the running sum in commit order: the history replays to the balance.
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT max(balance_after) FROM balance_history WHERE user_id = @id", new { id = user.UserId }))
            .ShouldBe(count * (count + 1L) / 2);
    }

    [Fact]
    public async Task One_payment_idempotency_key_fired_concurrently_and_again_later_pays_once_with_one_answer()
    {
        var system = await CrowdSystemAsync(fixture); // 20 payments of one user at once: past the per-user limit
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await api.CreateUserAsync(initialBalance: 1_000_000);
        var ticket = await api.AdmitAsync(user, concert.ConcertId);
        var holdId = await api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 3);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => api.PayAsync(user, ticket, holdId, "pay-crowd-key")));
        responses.Count(r => r.StatusCode >= HttpStatusCode.InternalServerError).ShouldBe(0);
        foreach (var response in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            response.ShouldBeProblem(409, "IDEMPOTENCY_KEY_IN_FLIGHT");
        }

        var bodies = responses.Where(r => r.StatusCode == HttpStatusCode.Created).Select(r => r.Body()).ToArray();
        bodies.Length.ShouldBeGreaterThanOrEqualTo(1);
        bodies.Distinct().Count().ShouldBe(1);

        var later = await api.PayAsync(user, ticket, holdId, "pay-crowd-key");
        later.ShouldHaveStatus(HttpStatusCode.Created);
        later.Body().ShouldBe(bodies[0]);
        (await api.BalanceAsync(user)).ShouldBe(1_000_000 - TestCatalog.VipPrice);
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM payments WHERE user_id = @id", new { id = user.UserId })).ShouldBe(1);

        // The same key with another body is refused, and changes nothing.
        (await api.PayAsync(user, ticket, Guid.NewGuid(), "pay-crowd-key")).ShouldBeProblem(422, "IDEMPOTENCY_KEY_REUSED");
        (await api.BalanceAsync(user)).ShouldBe(1_000_000 - TestCatalog.VipPrice);
    }

    private static async Task Until(DateTime at)
    {
        var wait = at - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }
}

/// <summary>Helpers that move a crowd through the real Api with bounded parallelism.</summary>
public static class Crowds
{
    /// <summary>Joins every user to the concert (64 at a time) and polls until every pass is ACTIVE (fails after 90 s).</summary>
    public static async Task<QueueTicket[]> AdmitAllAsync(ApiDriver api, IReadOnlyList<TestUser> users, Guid concertId)
    {
        var tickets = await JoinAllAsync(api, users, concertId);
        var pending = new ConcurrentDictionary<int, bool>(Enumerable.Range(0, users.Count).Select(i => KeyValuePair.Create(i, true)));
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!pending.IsEmpty)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{pending.Count} of {users.Count} passes were not admitted within 90 s.");
            }

            await Parallel.ForEachAsync(pending.Keys.ToList(), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
            {
                var status = (await api.QueueStatusAsync(users[i], tickets[i])).Status;
                status.ShouldNotBe("EXPIRED");
                if (status == "ACTIVE")
                {
                    pending.TryRemove(i, out var _);
                }
            });
            await Task.Delay(100);
        }

        return tickets;
    }

    /// <summary>Joins every user to the concert, 64 requests at a time; the tickets are in the users' order.</summary>
    public static async Task<QueueTicket[]> JoinAllAsync(ApiDriver api, IReadOnlyList<TestUser> users, Guid concertId, int parallelism = 64)
    {
        var tickets = new QueueTicket[users.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            async (i, _) => tickets[i] = await api.JoinAsync(users[i], concertId));
        return tickets;
    }

    /// <summary>Charges every user <paramref name="amount"/> points.</summary>
    public static Task ChargeAllAsync(ApiDriver api, IReadOnlyList<TestUser> users, long amount) =>
        Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (user, _) =>
            (await api.ChargeAsync(user, amount)).ShouldHaveStatus(HttpStatusCode.OK));
}
