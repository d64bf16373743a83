using System.Net;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

/// <summary>
/// The pre-queue (API.md "Limits, challenges and the pre-queue"): joins before a concert's sale opens wait as PREQUEUE without a
/// position; at the opening the QueueWorker draws them into one random order, recorded for an audit, ahead of everyone who joins
/// later, and admission follows that order. Runs on the small-line system of <see cref="AdmissionTests"/> (active capacity 10), so
/// the order is seen in who is admitted.
/// </summary>
public class PreQueueTests(DefaultSystem fixture)
{
    private const int Capacity = 10;
    private const int Early = 30;
    private const int Late = 5;

    [Fact]
    public async Task Joins_before_the_opening_are_drawn_at_random_ahead_of_later_joins_and_admitted_in_the_recorded_draws_order()
    {
        var system = await fixture.CustomAsync("small-line", AdmissionTests.SmallLine);
        var api = system.Driver;
        var organiser = await api.OrganiserAsync("organiser-a");
        var early = await system.CreateUsersAsync(Early);
        var late = await system.CreateUsersAsync(Late);

        // A show whose booking opens in a few seconds: time for thirty joins, not for a slow test.
        var opensAt = DateTimeOffset.UtcNow.AddSeconds(8);
        var startsAt = DateTimeOffset.UtcNow.AddDays(30);
        var client = api.As(organiser);
        var concert = (await client.CreateConcertAsync(new NewConcert($"Pre-queue {Guid.NewGuid():N}", "Test Performer", "Test Hall"))).ShouldReturn(HttpStatusCode.Created);
        var show = (await client.CreateScheduleAsync(concert.ConcertId, new NewSchedule(startsAt, opensAt, startsAt.AddDays(-1), Shows.DefaultBands)))
            .ShouldReturn(HttpStatusCode.Created);

        // Thirty joins at once before the opening: all PREQUEUE, no position, told when the sale opens; not admitted to hold.
        var joins = await Task.WhenAll(early.Select(u => api.As(u).JoinQueueAsync(concert.ConcertId)));
        var tickets = joins.Select(j => j.ShouldReturn(HttpStatusCode.Created)).Select(j => new QueueTicket(concert.ConcertId, j.QueueToken, j.Status, j.Position)).ToList();
        DateTimeOffset.UtcNow.ShouldBeLessThan(opensAt, "the joins took too long to test a pre-queue");
        foreach (var join in joins.Select(j => j.Content!))
        {
            join.Status.ShouldBe(ApiContract.QueueStatus.PreQueue);
            join.Position.ShouldBe(0);
            join.EstimatedWaitSeconds.ShouldBe(0);
            join.OpensAt.ShouldNotBeNull().ShouldBe(opensAt, TimeSpan.FromMilliseconds(1));
        }

        var polled = await api.QueueStatusAsync(early[0], tickets[0]);
        polled.Status.ShouldBe(ApiContract.QueueStatus.PreQueue);
        polled.OpensAt.ShouldNotBeNull().ShouldBe(opensAt, TimeSpan.FromMilliseconds(1));
        (await api.HoldAsync(early[0], tickets[0], show.ScheduleId, 1)).ShouldBeProblem(403, "QUEUE_TOKEN_NOT_ACTIVE");
        (await api.JoinAsync(early[0], concert.ConcertId, HttpStatusCode.OK)).Token.ShouldBe(tickets[0].Token); // still one place each
        (await client.GetDrawAsync(concert.ConcertId)).ShouldBeProblem(404, "DRAW_NOT_FOUND");

        // After the opening, five more join one by one: whether the draw has run yet or not, they queue behind the pre-queue.
        await Task.Delay(opensAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100));
        var lateTickets = new List<QueueTicket>();
        foreach (var user in late)
        {
            var ticket = await api.JoinAsync(user, concert.ConcertId);
            ticket.Status.ShouldBe(ApiContract.QueueStatus.Waiting);
            lateTickets.Add(ticket);
        }

        // The draw: recorded once, for the opening, naming exactly the thirty, in an order that is not the order they joined in.
        var draw = await Polling.EventuallyAsync(async () => await client.GetDrawAsync(concert.ConcertId), r => r.IsSuccessStatusCode,
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        var record = draw.ShouldReturn();
        record.ConcertId.ShouldBe(concert.ConcertId);
        record.OpensAt.ShouldBe(opensAt, TimeSpan.FromMilliseconds(1));
        record.DrawnAt.ShouldBeGreaterThanOrEqualTo(opensAt);
        record.Count.ShouldBe(Early);
        record.Order.ShouldBe(early.Select(u => u.UserId), ignoreOrder: true);
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(system.Redis);
        var joinOrder = await OrderedByAsync(redis, early.Zip(tickets), "offset");
        record.Order.ShouldNotBe(joinOrder, "a uniform draw of 30 equals the join order once in 30! times");

        // Admission follows the draw: the first ten drawn are ACTIVE, the next twenty wait with exactly their drawn rank ahead of
        // them, and the late joiners wait behind all of them in their own arrival order.
        var rank = record.Order.Select((userId, i) => (userId, i)).ToDictionary(p => p.userId, p => p.i);
        await ShouldFollowTheDrawAsync(api, early, tickets, rank, admitted: Capacity);
        for (var i = 0; i < Late; i++)
        {
            var state = await api.QueueStatusAsync(late[i], lateTickets[i]);
            state.Status.ShouldBe(ApiContract.QueueStatus.Waiting);
            state.Position.ShouldBe(Early - Capacity + i);
        }

        // The first ten give their places back: the next ten of the draw go in, not the next ten who joined.
        await LeaveAsync(api, early, tickets, rank, from: 0, concert.ConcertId);
        await ShouldFollowTheDrawAsync(api, early, tickets, rank, admitted: 2 * Capacity, left: Capacity);

        // Everyone in, ten at a time: the order the line really moved in (each token's admittedSeq) is the recorded draw, then the
        // late joiners in their arrival order.
        await LeaveAsync(api, early, tickets, rank, from: Capacity, concert.ConcertId);
        await ShouldFollowTheDrawAsync(api, early, tickets, rank, admitted: 3 * Capacity, left: 2 * Capacity);
        await LeaveAsync(api, early, tickets, rank, from: 2 * Capacity, concert.ConcertId);
        await Polling.EventuallyAsync(async () => await Task.WhenAll(late.Select((u, i) => api.QueueStatusAsync(u, lateTickets[i]))),
            states => states.All(s => s.Status == ApiContract.QueueStatus.Active), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        (await OrderedByAsync(redis, early.Zip(tickets).Concat(late.Zip(lateTickets)), "admittedSeq"))
            .ShouldBe(record.Order.Concat(late.Select(u => u.UserId)).ToList());
    }

    [Fact]
    public async Task A_concert_already_on_sale_has_no_pre_queue_and_no_draw()
    {
        var system = await fixture.CustomAsync("small-line", AdmissionTests.SmallLine);
        var api = system.Driver;
        var organiser = await api.OrganiserAsync("organiser-a");
        var show = await Shows.CreateAsync(api, organiser);
        var user = await api.CreateUserAsync();

        var ticket = await api.JoinAsync(user, show.ConcertId);
        ticket.Status.ShouldBeOneOf(ApiContract.QueueStatus.Waiting, ApiContract.QueueStatus.Active);
        await api.WaitUntilActiveAsync(user, ticket);
        (await api.QueueStatusAsync(user, ticket)).OpensAt.ShouldBeNull();
        (await api.As(organiser).GetDrawAsync(show.ConcertId)).ShouldBeProblem(404, "DRAW_NOT_FOUND");
        (await api.As(await api.OrganiserAsync("organiser-b")).GetDrawAsync(show.ConcertId)).ShouldBeProblem(404, "CONCERT_NOT_FOUND");
    }

    [Fact]
    public async Task A_join_days_before_the_opening_keeps_its_pass_and_its_one_place_until_a_day_past_the_opening()
    {
        var system = await fixture.CustomAsync("small-line", AdmissionTests.SmallLine);
        var api = system.Driver;
        var opensAt = DateTimeOffset.UtcNow.AddDays(3);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, opensAt: [opensAt]);
        var user = await api.CreateUserAsync();

        var ticket = await api.JoinAsync(user, concert.ConcertId);
        ticket.Status.ShouldBe(ApiContract.QueueStatus.PreQueue);
        var pass = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(ticket.Token);
        new DateTimeOffset(pass.ValidTo, TimeSpan.Zero).ShouldBe(opensAt.AddDays(1), TimeSpan.FromSeconds(5));
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(system.Redis);
        var placeKept = await redis.GetDatabase().KeyTimeToLiveAsync($"wr:{concert.ConcertId:N}:user:{user.UserId:N}");
        placeKept.ShouldNotBeNull().ShouldBeGreaterThan(TimeSpan.FromDays(3.9));
        (await api.JoinAsync(user, concert.ConcertId, HttpStatusCode.OK)).Token.ShouldBe(ticket.Token);
    }

    // The ten drawn at ranks from … from + 9 leave the line (give their active places back).
    private static Task LeaveAsync(ApiDriver api, TestUser[] users, List<QueueTicket> tickets, Dictionary<Guid, int> rank, int from, Guid concertId) =>
        Task.WhenAll(users.Select((u, i) => (u, i)).Where(p => rank[p.u.UserId] >= from && rank[p.u.UserId] < from + Capacity)
            .Select(p => api.As(p.u, tickets[p.i]).LeaveQueueAsync(concertId)));

    // Polls until exactly 'admitted' of the drawn (minus those who left) are ACTIVE, then checks every drawn status against its rank.
    private static async Task ShouldFollowTheDrawAsync(ApiDriver api, TestUser[] users, List<QueueTicket> tickets, Dictionary<Guid, int> rank,
        int admitted, int left = 0)
    {
        Task<QueueState[]> ReadAllAsync() => Task.WhenAll(users.Select((u, i) => api.QueueStatusAsync(u, tickets[i])));
        await Polling.EventuallyAsync(ReadAllAsync, s => s.Count(x => x.Status == ApiContract.QueueStatus.Active) == admitted - left,
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        // Read again once they are in: the reads above run side by side with the admission step, so some of them may predate it.
        // The line then stands still (the active set is full and nobody leaves) until the caller moves it.
        var states = await ReadAllAsync();
        for (var i = 0; i < users.Length; i++)
        {
            var r = rank[users[i].UserId];
            if (r < left)
            {
                states[i].Status.ShouldBe(ApiContract.QueueStatus.Expired, $"drawn {r + 1}. left");
            }
            else if (r < admitted)
            {
                states[i].Status.ShouldBe(ApiContract.QueueStatus.Active, $"drawn {r + 1}. of {users.Length}");
            }
            else
            {
                states[i].Status.ShouldBe(ApiContract.QueueStatus.Waiting, $"drawn {r + 1}. of {users.Length}");
                states[i].Position.ShouldBe(r - admitted, $"drawn {r + 1}. of {users.Length}");
            }
        }
    }

    // The users ordered by a number their token's record keeps: its Kafka 'offset' (the order the line would have had without the
    // draw) or its 'admittedSeq' (the order the line really moved in).
    private static async Task<List<Guid>> OrderedByAsync(StackExchange.Redis.ConnectionMultiplexer redis, IEnumerable<(TestUser User, QueueTicket Ticket)> people,
        string field)
    {
        var keyed = new List<(Guid UserId, long Value)>();
        foreach (var (user, ticket) in people)
        {
            var tokenId = Guid.Parse(new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(ticket.Token).Id);
            keyed.Add((user.UserId, (long)await redis.GetDatabase().HashGetAsync($"wr:tok:{tokenId:N}", field)));
        }

        return [.. keyed.OrderBy(k => k.Value).Select(k => k.UserId)];
    }
}
