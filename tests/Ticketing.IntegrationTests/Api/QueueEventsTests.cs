using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

/// <summary>
/// The live status stream <c>GET /api/concerts/{concertId}/queue/events</c> (seed 000: Redis pub/sub → SSE), against real Api
/// and QueueWorker processes. The line systems admit one person at a time (capacity 1, batch 1) and tick once a minute, so
/// the line moves only when a test makes it move, and the estimated wait is exactly (position + 1) × 60 s: the tick bound
/// is then never below the observed-rate bound (WaitEstimate).
/// </summary>
public class QueueEventsTests(DefaultSystem fixture)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    /// <summary>Capacity 1, a tick a minute: a second joiner stays WAITING (also the system of <see cref="LimitsTests"/>' stream cap).</summary>
    internal static readonly Dictionary<string, string> StreamLine = new()
    {
        ["Ticketing__Queue__ActiveCapacity"] = "1",
        ["Ticketing__Queue__AdmissionBatchSize"] = "1",
        ["Ticketing__Queue__AdmissionInterval"] = "00:01:00",
        ["Ticketing__Queue__AbandonAfter"] = "00:05:00",
    };

    private static readonly Dictionary<string, string> ImpatientStreamLine = new()
    {
        ["Ticketing__Queue__ActiveCapacity"] = "1",
        ["Ticketing__Queue__AdmissionBatchSize"] = "1",
        ["Ticketing__Queue__AdmissionInterval"] = "00:01:00",
        // A token neither polled nor streamed for 2 s has abandoned its place; keep-alives every 300 ms.
        ["Ticketing__Queue__AbandonAfter"] = "00:00:02",
        ["Ticketing__Queue__StreamKeepAliveInterval"] = "00:00:00.300",
    };

    [Fact]
    public async Task The_stream_sends_the_polling_routes_state_at_once_then_every_move_of_the_line_then_ACTIVE_and_ends()
    {
        var system = await fixture.CustomAsync("stream-line", StreamLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var (front, frontTicket) = await AdmittedAsync(system, concert.ConcertId);
        var (users, tickets) = await JoinInOrderAsync(system, concert.ConcertId, 3);
        var (b, c, d) = (users[0], users[1], users[2]);

        var opened = DateTime.UtcNow;
        await using var stream = await OpenAsync(system, d, tickets[2]);
        stream.Response.Headers.CacheControl!.NoCache.ShouldBeTrue();
        var first = await stream.NextStatusAsync(Soon);
        (DateTime.UtcNow - opened).ShouldBeLessThan(TimeSpan.FromSeconds(2), "the first event comes at once");
        first.ShouldBe(new QueueState("WAITING", 2, 180, null));
        (await api.QueueStatusAsync(d, tickets[2])).ShouldBe(first);

        // Nobody polls d from here on: each move reaches it through the worker's and the leave script's publications.
        (await api.As(b, tickets[0]).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await stream.NextStatusAsync(Soon)).ShouldBe(new QueueState("WAITING", 1, 120, null));

        (await api.As(front, frontTicket).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await stream.NextStatusAsync(Soon)).ShouldBe(new QueueState("WAITING", 0, 60, null));
        (await api.QueueStatusAsync(c, tickets[1])).Status.ShouldBe("ACTIVE");

        var cLeft = DateTimeOffset.UtcNow;
        (await api.As(c, tickets[1]).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var admitted = await stream.NextStatusAsync(Soon);
        admitted.Status.ShouldBe("ACTIVE");
        admitted.Position.ShouldBe(0);
        admitted.EstimatedWaitSeconds.ShouldBe(0);
        admitted.ActiveUntil.ShouldNotBeNull().ShouldBeInRange(cLeft.AddMinutes(10).AddSeconds(-1), DateTimeOffset.UtcNow.AddMinutes(10).AddSeconds(1));
        await stream.ShouldEndAsync(Soon);
        (await api.QueueStatusAsync(d, tickets[2])).Status.ShouldBe("ACTIVE");
    }

    [Fact]
    public async Task Twenty_streams_opened_at_once_each_get_their_own_position_and_all_move_when_the_front_is_admitted()
    {
        var system = await fixture.CustomAsync("stream-line", StreamLine);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var (front, frontTicket) = await AdmittedAsync(system, concert.ConcertId);
        var (users, tickets) = await JoinInOrderAsync(system, concert.ConcertId, 20);

        var streams = await Task.WhenAll(users.Select((user, i) => OpenAsync(system, user, tickets[i])));
        try
        {
            var firsts = await Task.WhenAll(streams.Select(s => s.NextStatusAsync(Soon)));
            for (var i = 0; i < users.Length; i++)
            {
                firsts[i].ShouldBe(new QueueState("WAITING", i, (i + 1) * 60, null), $"joiner #{i}");
            }

            (await system.Driver.As(front, frontTicket).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
            var moved = await Task.WhenAll(streams.Select(s => s.NextStatusAsync(Soon)));
            moved[0].Status.ShouldBe("ACTIVE");
            for (var i = 1; i < users.Length; i++)
            {
                moved[i].ShouldBe(new QueueState("WAITING", i - 1, i * 60, null), $"joiner #{i}");
            }

            await streams[0].ShouldEndAsync(Soon);
        }
        finally
        {
            await Task.WhenAll(streams.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Leaving_while_the_stream_is_open_sends_EXPIRED_and_ends_it_and_the_query_parameter_works_for_this_route_only()
    {
        var system = await fixture.CustomAsync("stream-line", StreamLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        await AdmittedAsync(system, concert.ConcertId);
        var (users, tickets) = await JoinInOrderAsync(system, concert.ConcertId, 1);

        // EventSource cannot set headers: the token may come as ?queueToken= on the stream, and only there.
        await using var stream = await EventStream.OpenAsync(system.Driver.Http,
            EventStream.ApiRequest(concert.ConcertId, users[0].AccessToken, tickets[0].Token, queueTokenInQuery: true));
        (await stream.NextStatusAsync(Soon)).ShouldBe(new QueueState("WAITING", 0, 60, null));
        var polled = await api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/concerts/{concert.ConcertId}/queue?queueToken={tickets[0].Token}")
        {
            Headers = { Authorization = new("Bearer", users[0].AccessToken) },
        });
        await polled.ShouldBeProblemAsync(401, "QUEUE_TOKEN_INVALID");

        (await api.As(users[0], tickets[0]).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await stream.NextStatusAsync(Soon)).ShouldBe(new QueueState("EXPIRED", 0, 0, null));
        await stream.ShouldEndAsync(Soon);
    }

    [Fact]
    public async Task A_join_that_reaches_the_worker_after_a_slot_was_freed_is_admitted_on_arrival_not_at_the_next_tick()
    {
        // stream-line ticks once a minute: only the freed slot and the join's arrival can admit within the 10 s below.
        var system = await fixture.CustomAsync("stream-line", StreamLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var (front, frontTicket) = await AdmittedAsync(system, concert.ConcertId); // the worker's last step: active 1 of 1
        (await api.As(front, frontTicket).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await Task.Delay(500); // the freed slot's wake-up finds no one to admit

        var next = await api.CreateUserAsync();
        var ticket = await api.JoinAsync(next, concert.ConcertId);
        await api.WaitUntilActiveAsync(next, ticket, Soon);
    }

    [Fact]
    public async Task The_admission_steps_move_names_the_tokens_it_admitted_so_their_streams_are_read_first()
    {
        var system = await fixture.CustomAsync("stream-line", StreamLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var (front, frontTicket) = await AdmittedAsync(system, concert.ConcertId);
        var (users, tickets) = await JoinInOrderAsync(system, concert.ConcertId, 2);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(system.Redis);
        var moves = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await redis.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal("wr:line-moved"), (_, m) => moves.Enqueue(m.ToString()));
        await using var stream = await OpenAsync(system, users[0], tickets[0]);
        (await stream.NextStatusAsync(Soon)).Position.ShouldBe(0);

        // The front leaves: its freed slot wakes the worker, whose step admits the next in line and names it.
        (await api.As(front, frontTicket).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await stream.NextStatusAsync(Soon)).Status.ShouldBe("ACTIVE");
        var admitted = new JsonWebToken(tickets[0].Token).Id.Replace("-", "", StringComparison.Ordinal);
        // (The test's own subscription may hear the same message a moment after the Api's did.)
        await Polling.EventuallyAsync(() => Task.FromResult(moves.ToArray()), m => m.Contains($"{concert.ConcertId:N}:{admitted}"), Soon);
        (await api.QueueStatusAsync(users[1], tickets[1])).Position.ShouldBe(0, "the one behind moved up");
    }

    [Fact]
    public async Task An_admitted_token_gets_one_ACTIVE_event_that_refreshes_its_active_TTL_and_the_stream_ends()
    {
        var api = fixture.Driver;
        var concert = await TestCatalog.CreateConcertAsync(fixture.Postgres);
        var user = await api.CreateUserAsync();
        var ticket = await api.AdmitAsync(user, concert.ConcertId);
        var before = (await api.QueueStatusAsync(user, ticket)).ActiveUntil.ShouldNotBeNull();

        await Task.Delay(1100);
        await using var stream = await EventStream.OpenAsync(api.Http, EventStream.ApiRequest(concert.ConcertId, user.AccessToken, ticket.Token));
        var active = await stream.NextStatusAsync(Soon);
        (active.Status, active.Position, active.EstimatedWaitSeconds).ShouldBe(("ACTIVE", 0L, 0L));
        active.ActiveUntil.ShouldNotBeNull().ShouldBeGreaterThan(before.AddSeconds(1));
        await stream.ShouldEndAsync(Soon);
    }

    [Fact]
    public async Task Token_problems_are_answered_as_problem_json_before_the_stream_starts()
    {
        var api = fixture.Driver;
        var concert = await TestCatalog.CreateConcertAsync(fixture.Postgres);
        var other = await TestCatalog.CreateConcertAsync(fixture.Postgres);
        var user = await api.CreateUserAsync();
        var stranger = await api.CreateUserAsync();
        var ticket = await api.JoinAsync(user, concert.ConcertId);
        var strangersTicket = await api.JoinAsync(stranger, concert.ConcertId);
        var otherTicket = await api.JoinAsync(user, other.ConcertId);

        async Task ShouldRefuseAsync(HttpRequestMessage request, int status, string code) =>
            await (await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead)).ShouldBeProblemAsync(status, code);

        await ShouldRefuseAsync(EventStream.ApiRequest(concert.ConcertId, null, ticket.Token), 401, "UNAUTHORIZED");
        await ShouldRefuseAsync(EventStream.ApiRequest(concert.ConcertId, user.AccessToken, null), 401, "QUEUE_TOKEN_INVALID");
        await ShouldRefuseAsync(EventStream.ApiRequest(concert.ConcertId, user.AccessToken, "not-a-jwt"), 401, "QUEUE_TOKEN_INVALID");
        var tampered = ticket.Token[..^4] + (ticket.Token.EndsWith("AAAA") ? "BBBB" : "AAAA");
        await ShouldRefuseAsync(EventStream.ApiRequest(concert.ConcertId, user.AccessToken, tampered, queueTokenInQuery: true), 401, "QUEUE_TOKEN_INVALID");
        await ShouldRefuseAsync(EventStream.ApiRequest(concert.ConcertId, user.AccessToken, strangersTicket.Token), 401, "QUEUE_TOKEN_INVALID");
        await ShouldRefuseAsync(EventStream.ApiRequest(concert.ConcertId, user.AccessToken, otherTicket.Token), 403, "QUEUE_TOKEN_WRONG_CONCERT");
        await ShouldRefuseAsync(EventStream.ApiRequest(concert.ConcertId, user.AccessToken, PastItsExpiry(fixture.System, user, concert.ConcertId)), 401, "QUEUE_TOKEN_EXPIRED");

        // A token that has ended: 401 as on the [active] routes (an EventSource stops on it instead of reconnecting for ever).
        (await api.As(user, ticket).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await ShouldRefuseAsync(EventStream.ApiRequest(concert.ConcertId, user.AccessToken, ticket.Token), 401, "QUEUE_TOKEN_EXPIRED");
    }

    [Fact]
    public async Task An_open_stream_keeps_a_waiting_place_past_the_abandonment_timeout_and_a_closed_one_stops_keeping_it()
    {
        var system = await fixture.CustomAsync("stream-impatient", ImpatientStreamLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var (front, frontTicket) = await AdmittedAsync(system, concert.ConcertId);
        var (users, tickets) = await JoinInOrderAsync(system, concert.ConcertId, 2);
        var (streamed, silent) = (0, 1);

        await using (var stream = await OpenAsync(system, users[streamed], tickets[streamed]))
        {
            (await stream.NextStatusAsync(Soon)).ShouldBe(new QueueState("WAITING", 0, 60, null));

            // Three abandonment timeouts with no poll: the silent one has lost its place, the streamed one has not.
            await Task.Delay(TimeSpan.FromSeconds(6));
            (await api.QueueStatusAsync(users[silent], tickets[silent])).Status.ShouldBe("EXPIRED");
            (await api.QueueStatusAsync(users[streamed], tickets[streamed])).ShouldBe(new QueueState("WAITING", 0, 60, null));

            // Still first in line: the next free slot is the streamed one's.
            (await api.As(front, frontTicket).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
            (await stream.NextStatusAsync(Soon)).Status.ShouldBe("ACTIVE");
        }

        // Once its connection is gone the hub stops reading a token: nothing keeps it alive any more.
        var (late, lateTickets) = await JoinInOrderAsync(system, concert.ConcertId, 1);
        await using (var stream = await OpenAsync(system, late[0], lateTickets[0]))
        {
            (await stream.NextStatusAsync(Soon)).ShouldBe(new QueueState("WAITING", 0, 60, null));
        }

        await Task.Delay(TimeSpan.FromSeconds(4));
        (await api.QueueStatusAsync(late[0], lateTickets[0])).Status.ShouldBe("EXPIRED");
    }

    [Fact]
    public async Task Reads_after_a_move_leave_a_streamed_tokens_heartbeat_alone()
    {
        // stream-line: abandonment after 5 min, so the hub's heartbeat read is due every 75 s, long after this test; every read
        // here comes from a move of the line. (That the heartbeat-due reads keep the place: the stream-impatient test above.)
        var system = await fixture.CustomAsync("stream-line", StreamLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        await AdmittedAsync(system, concert.ConcertId);
        var (users, tickets) = await JoinInOrderAsync(system, concert.ConcertId, 4);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(system.Redis);
        var seen = $"wr:{concert.ConcertId:N}:seen"; // the waiting room's heartbeat clock (QueueKeys.Seen)
        var streamed = new JsonWebToken(tickets[3].Token).Id.Replace("-", "", StringComparison.Ordinal);

        await using var stream = await OpenAsync(system, users[3], tickets[3]);
        (await stream.NextStatusAsync(Soon)).Position.ShouldBe(3);
        var heartbeat = (double)(await redis.GetDatabase().SortedSetScoreAsync(seen, streamed))!; // the stream's first read, its heartbeat

        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300)); // past the hub's 250 ms between reads, and the clock moves on
            (await api.As(users[i], tickets[i]).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
            (await stream.NextStatusAsync(Soon)).Position.ShouldBe(2 - i, "each move still reaches the stream");
        }

        // Three reads after moves, none a heartbeat: the token's abandonment clock is where the first read set it.
        (await redis.GetDatabase().SortedSetScoreAsync(seen, streamed)).ShouldBe(heartbeat);
    }

    [Fact]
    public async Task A_quiet_stream_gets_a_keep_alive_comment_every_configured_interval_and_nothing_else()
    {
        var system = await fixture.CustomAsync("stream-impatient", ImpatientStreamLine);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        await AdmittedAsync(system, concert.ConcertId);
        var (users, tickets) = await JoinInOrderAsync(system, concert.ConcertId, 1);

        await using var stream = await OpenAsync(system, users[0], tickets[0]);
        (await stream.NextAsync(Soon)).ShouldBe(new StreamItem("status", """{"status":"WAITING","position":0,"estimatedWaitSeconds":60,"activeUntil":null,"opensAt":null}""", null));
        var started = DateTime.UtcNow;
        for (var i = 0; i < 5; i++)
        {
            (await stream.NextAsync(Soon)).ShouldBe(new StreamItem(null, null, "keep-alive"));
        }

        // Five comments 300 ms apart take more than four intervals (1.2 s) less a late tick that fires at once (PeriodicTimer).
        (DateTime.UtcNow - started).ShouldBeGreaterThan(TimeSpan.FromSeconds(0.9));
        await stream.ShouldStayQuietAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_stream_and_its_problems()
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(await fixture.Driver.Http.GetStringAsync("/openapi/v1.json"))!;
        var get = document["paths"]!["/api/concerts/{concertId}/queue/events"]!["get"]!;
        var responses = get["responses"]!.AsObject();
        responses.Select(r => r.Key).Order().ShouldBe(["200", "401", "403", "409", "429", "503"]);
        responses["200"]!["content"]!.AsObject().Select(c => c.Key).ShouldBe(["text/event-stream"]);
        responses["200"]!["content"]!["text/event-stream"]!["schema"]!["type"]!.GetValue<string>().ShouldBe("string");
        responses["200"]!["content"]!["text/event-stream"]!["example"]!.GetValue<string>().ShouldStartWith("event: status\ndata: {");
        responses["401"]!["content"]!.AsObject().Select(c => c.Key).ShouldBe(["application/problem+json"]);
        get["description"]!.GetValue<string>().ShouldContain("keep-alive");
    }

    private static Task<EventStream> OpenAsync(TestSystem system, TestUser user, QueueTicket ticket) =>
        EventStream.OpenAsync(system.Driver.Http, EventStream.ApiRequest(ticket.ConcertId, user.AccessToken, ticket.Token));

    /// <summary>The one ACTIVE person of a capacity-1 line (until they leave, or their active TTL of 10 min runs out).</summary>
    private static async Task<(TestUser User, QueueTicket Ticket)> AdmittedAsync(TestSystem system, Guid concertId)
    {
        var user = await system.Driver.CreateUserAsync();
        return (user, await system.Driver.AdmitAsync(user, concertId));
    }

    /// <summary><paramref name="count"/> users joined one after the other: joiner i has i ahead of them.</summary>
    private static async Task<(TestUser[] Users, QueueTicket[] Tickets)> JoinInOrderAsync(TestSystem system, Guid concertId, int count)
    {
        var users = await system.CreateUsersAsync(count);
        var tickets = new QueueTicket[count];
        for (var i = 0; i < count; i++)
        {
            tickets[i] = await system.Driver.JoinAsync(users[i], concertId);
            tickets[i].Status.ShouldBe("WAITING");
        }

        return (users, tickets);
    }

    /// <summary>A queue token of <paramref name="user"/> for <paramref name="concertId"/>, signed with the system's key, that expired a minute ago.</summary>
    private static string PastItsExpiry(TestSystem system, TestUser user, Guid concertId)
    {
        var now = DateTime.UtcNow;
        return TestTokens.Sign("ticketing-queue", new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString(),
            [JwtRegisteredClaimNames.Sub] = user.UserId.ToString(),
            ["concert"] = concertId.ToString(),
        }, system.SigningKey, now.AddMinutes(-10), now.AddMinutes(-1));
    }
}
