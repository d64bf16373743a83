using System.Net;
using Dapper;
using Npgsql;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

/// <summary>
/// Admission under a small active capacity, on systems of their own (so no other test's concert shares
/// the settings): FIFO order, the capacity bound, NOT_ACTIVE while waiting, leave and payment freeing slots,
/// abandonment and the active TTL.
/// </summary>
public class AdmissionTests(DefaultSystem fixture)
{
    private const int Capacity = 10;

    /// <summary>Active capacity and batch 10, abandonment after 5 min: who is admitted shows the line's order (also <see cref="PreQueueTests"/>).</summary>
    internal static readonly Dictionary<string, string> SmallLine = new()
    {
        ["Ticketing__Queue__ActiveCapacity"] = Capacity.ToString(),
        ["Ticketing__Queue__AdmissionBatchSize"] = Capacity.ToString(),
        ["Ticketing__Queue__AbandonAfter"] = "00:05:00",
    };

    private static readonly Dictionary<string, string> ImpatientLine = new()
    {
        ["Ticketing__Queue__ActiveCapacity"] = "1",
        // Short enough for a test, long enough that a loaded CI machine's slow poll is not taken for abandonment.
        ["Ticketing__Queue__AbandonAfter"] = "00:00:03",
        ["Ticketing__Queue__ActiveTtl"] = "00:00:04",
    };

    [Fact]
    public async Task Three_hundred_joins_are_admitted_in_exactly_join_order_never_above_capacity()
    {
        var system = await fixture.CustomAsync("small-line", SmallLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var users = await system.CreateUsersAsync(300);
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(system.Redis);

        // Sequential joins: the order of the responses is the join order.
        var tickets = new List<QueueTicket>();
        foreach (var user in users)
        {
            tickets.Add(await api.JoinAsync(user, concert.ConcertId));
        }

        for (var front = 0; front < users.Length; front += Capacity)
        {
            var window = Enumerable.Range(front, Math.Min(Capacity, users.Length - front)).ToList();
            await WaitUntilAsync(async () =>
            {
                var states = await Task.WhenAll(window.Select(i => api.QueueStatusAsync(users[i], tickets[i])));
                return states.All(s => s.Status == "ACTIVE");
            });

            // Exactly the next Capacity joiners are in; everyone behind waits with the exact number ahead.
            var behind = Enumerable.Range(front + Capacity, Math.Max(0, Math.Min(2 * Capacity, users.Length - front - Capacity))).ToList();
            foreach (var i in behind)
            {
                var state = await api.QueueStatusAsync(users[i], tickets[i]);
                state.Status.ShouldBe("WAITING", $"joiner #{i} was admitted before joiners #{front}..#{front + Capacity - 1} left");
                state.Position.ShouldBe(i - front - Capacity, $"joiner #{i}");
            }

            (await redis.GetDatabase().SortedSetLengthAsync($"wr:{concert.ConcertId:N}:active")).ShouldBeLessThanOrEqualTo(Capacity);

            // The front leaves; its slots go to the next in line.
            await Task.WhenAll(window.Select(async i =>
                (await api.As(users[i], tickets[i]).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent)));
        }
    }

    [Fact]
    public async Task While_the_active_set_stays_full_the_estimated_wait_follows_the_lines_real_speed()
    {
        var system = await fixture.CustomAsync("small-line", SmallLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var users = await system.CreateUsersAsync(Capacity + 30);
        var tickets = new List<QueueTicket>();
        foreach (var user in users)
        {
            tickets.Add(await api.JoinAsync(user, concert.ConcertId));
        }

        await api.WaitUntilActiveAsync(users[Capacity - 1], tickets[Capacity - 1]);
        var last = await api.QueueStatusAsync(users[^1], tickets[^1]);
        last.Position.ShouldBe(29);

        // Nobody leaves for 3 s: ten admissions in over three seconds is about 3/s, so thirty ahead is about ten
        // seconds — far more than the tick alone (three batches of 10 at 100 ms) would say.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = await api.QueueStatusAsync(users[^1], tickets[^1]);
        later.Status.ShouldBe("WAITING");
        later.EstimatedWaitSeconds.ShouldBeGreaterThanOrEqualTo(8);
        later.EstimatedWaitSeconds.ShouldBeGreaterThan(last.EstimatedWaitSeconds);
    }

    [Fact]
    public async Task A_waiting_token_is_refused_on_active_routes_until_a_slot_frees()
    {
        var system = await fixture.CustomAsync("small-line", SmallLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var users = await Task.WhenAll(Enumerable.Range(0, Capacity + 1).Select(_ => api.CreateUserAsync(initialBalance: 1_000_000)));
        var tickets = new List<QueueTicket>();
        foreach (var user in users)
        {
            tickets.Add(await api.JoinAsync(user, concert.ConcertId));
        }

        for (var i = 0; i < Capacity; i++)
        {
            await api.WaitUntilActiveAsync(users[i], tickets[i]);
        }

        var last = users[Capacity];
        var lastTicket = tickets[Capacity];
        (await api.As(last, lastTicket).GetSchedulesAsync(concert.ConcertId)).ShouldBeProblem(403, "QUEUE_TOKEN_NOT_ACTIVE");
        (await api.HoldAsync(last, lastTicket, concert.ScheduleIds[0], 1)).ShouldBeProblem(403, "QUEUE_TOKEN_NOT_ACTIVE");
        (await api.QueueStatusAsync(last, lastTicket)).Position.ShouldBe(0);

        // A payment revokes the payer's token and frees its slot for the next in line.
        var holdId = await api.HoldOkAsync(users[0], tickets[0], concert.ScheduleIds[0], 20);
        (await api.PayAsync(users[0], tickets[0], holdId)).ShouldHaveStatus(HttpStatusCode.Created);
        await api.WaitUntilActiveAsync(last, lastTicket, TimeSpan.FromSeconds(10));
        (await ActiveCountAsync(system, concert.ConcertId)).ShouldBe(Capacity);
    }

    [Fact]
    public async Task Tokens_that_stop_polling_are_skipped_without_blocking_the_line_and_an_idle_active_token_expires()
    {
        var system = await fixture.CustomAsync("impatient-line", ImpatientLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var first = await api.CreateUserAsync();
        var quitters = await system.CreateUsersAsync(5);
        var patient = await api.CreateUserAsync();

        var firstTicket = await api.AdmitAsync(first, concert.ConcertId);
        var quitterTickets = new List<QueueTicket>();
        foreach (var quitter in quitters)
        {
            quitterTickets.Add(await api.JoinAsync(quitter, concert.ConcertId));
        }

        var patientTicket = await api.JoinAsync(patient, concert.ConcertId);
        (await api.QueueStatusAsync(patient, patientTicket)).Position.ShouldBe(quitters.Length);

        // The patient one keeps polling (its heartbeat); the five ahead never poll again. The first stays idle, so its
        // ACTIVE pass expires after the active TTL (4 s) and frees the only slot, which goes past the quitters.
        var status = await Polling.EventuallyAsync(async () => (await api.QueueStatusAsync(patient, patientTicket)).Status,
            status => status != "WAITING", TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
        status.ShouldBe("ACTIVE");
        for (var i = 0; i < quitters.Length; i++)
        {
            (await api.QueueStatusAsync(quitters[i], quitterTickets[i])).Status.ShouldBe("EXPIRED");
        }

        (await api.QueueStatusAsync(first, firstTicket)).Status.ShouldBe("EXPIRED");
        (await api.As(first, firstTicket).GetSchedulesAsync(concert.ConcertId)).ShouldBeProblem(401, "QUEUE_TOKEN_EXPIRED");
    }

    [Fact]
    public async Task A_hold_past_its_duration_answers_410_on_payment_and_debits_nothing()
    {
        var system = await fixture.CustomAsync("short-holds", Browser.BrowserJourneyTests.ShortHolds, withWeb: true); // holds of 4 s
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await api.CreateUserAsync(initialBalance: 500_000);
        var ticket = await api.AdmitAsync(user, concert.ConcertId);
        var holdId = await api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 5);

        await Task.Delay(TimeSpan.FromSeconds(4.5));
        (await api.PayAsync(user, ticket, holdId)).ShouldBeProblem(410, "HOLD_EXPIRED");
        (await api.BalanceAsync(user)).ShouldBe(500_000);
        await using var connection = new NpgsqlConnection(system.Postgres);
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM payments p JOIN reservations r ON r.id = p.reservation_id WHERE r.user_id = @id", new { id = user.UserId }))
            .ShouldBe(0);

        // The seat is free again for someone else.
        var other = await api.CreateUserAsync();
        var otherTicket = await api.AdmitAsync(other, concert.ConcertId);
        (await api.HoldAsync(other, otherTicket, concert.ScheduleIds[0], 5)).ShouldHaveStatus(HttpStatusCode.Created);
    }

    private static async Task<long> ActiveCountAsync(TestSystem system, Guid concertId)
    {
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(system.Redis);
        return await redis.GetDatabase().SortedSetLengthAsync($"wr:{concertId:N}:active");
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition) => Polling.EventuallyAsync(condition, holds => holds, TimeSpan.FromSeconds(20));
}
