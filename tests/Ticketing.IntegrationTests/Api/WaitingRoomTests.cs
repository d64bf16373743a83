using System.Net;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

public class WaitingRoomTests(DefaultSystem system)
{
    private readonly ApiDriver _api = system.Driver;

    [Fact]
    public async Task Joining_returns_a_token_and_the_worker_admits_it()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var body = (await _api.As(user).JoinQueueAsync(concert.ConcertId)).ShouldReturn(HttpStatusCode.Created);
        body.QueueToken.ShouldNotBeNullOrWhiteSpace();
        body.Status.ShouldBeOneOf("WAITING", "ACTIVE");
        body.Position.ShouldBeGreaterThanOrEqualTo(0);
        body.EstimatedWaitSeconds.ShouldBeGreaterThanOrEqualTo(0);

        var ticket = new QueueTicket(concert.ConcertId, body.QueueToken, "", 0);
        await _api.WaitUntilActiveAsync(user, ticket);
        var status = await _api.QueueStatusAsync(user, ticket);
        status.Position.ShouldBe(0);
        status.ActiveUntil.ShouldNotBeNull().ShouldBeGreaterThan(DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Joining_again_while_the_token_is_live_returns_the_same_token()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var first = await _api.JoinAsync(user, concert.ConcertId);
        var again = await _api.JoinAsync(user, concert.ConcertId, HttpStatusCode.OK);
        again.Token.ShouldBe(first.Token);

        // Eight at once: with the two above, within the per-user join limit's burst of 10.
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _api.As(user).JoinQueueAsync(concert.ConcertId)));
        foreach (var response in concurrent)
        {
            response.ShouldReturn(HttpStatusCode.OK).QueueToken.ShouldBe(first.Token);
        }
    }

    [Fact]
    public async Task Concurrent_first_joins_of_one_user_give_one_place_in_line()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _api.As(user).JoinQueueAsync(concert.ConcertId)));
        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        var tokens = responses.Select(r => r.Content.ShouldNotBeNull($"{r.StatusCode}: {r.Body()}").QueueToken).ToArray();
        tokens.Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task Leaving_expires_the_token_and_a_new_join_gets_a_new_one()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        (await _api.As(user, ticket).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _api.QueueStatusAsync(user, ticket)).Status.ShouldBe("EXPIRED");
        (await _api.HoldAsync(user, ticket, concert.ScheduleIds[0], 1)).ShouldBeProblem(401, "QUEUE_TOKEN_EXPIRED");

        var fresh = await _api.JoinAsync(user, concert.ConcertId);
        fresh.Token.ShouldNotBe(ticket.Token);
    }

    [Fact]
    public async Task Joining_an_unknown_concert_is_404_and_joining_needs_sign_in()
    {
        var user = await _api.CreateUserAsync();
        (await _api.As(user).JoinQueueAsync(Guid.NewGuid())).ShouldBeProblem(404, "CONCERT_NOT_FOUND");
        (await _api.Anonymous.JoinQueueAsync(Guid.NewGuid())).ShouldBeProblem(401, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Missing_forged_and_other_users_queue_tokens_are_invalid()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var other = await _api.CreateUserAsync();
        var othersTicket = await _api.AdmitAsync(other, concert.ConcertId);
        var concertId = concert.ConcertId;

        (await _api.As(user).GetSchedulesAsync(concertId)).ShouldBeProblem(401, "QUEUE_TOKEN_INVALID");
        (await _api.As(user, "not-a-jwt").GetSchedulesAsync(concertId)).ShouldBeProblem(401, "QUEUE_TOKEN_INVALID");
        var tampered = othersTicket.Token[..^4] + (othersTicket.Token.EndsWith("AAAA") ? "BBBB" : "AAAA");
        (await _api.As(other, tampered).GetSchedulesAsync(concertId)).ShouldBeProblem(401, "QUEUE_TOKEN_INVALID");
        (await _api.As(user, othersTicket).GetSchedulesAsync(concertId)).ShouldBeProblem(401, "QUEUE_TOKEN_INVALID");
        // An access token is not a queue token.
        (await _api.As(other, other.AccessToken).GetSchedulesAsync(concertId)).ShouldBeProblem(401, "QUEUE_TOKEN_INVALID");
    }

    [Fact]
    public async Task Another_concerts_token_is_the_wrong_concert()
    {
        var first = await TestCatalog.CreateConcertAsync(system.Postgres);
        var second = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, first.ConcertId);
        (await _api.As(user, ticket).GetSchedulesAsync(second.ConcertId)).ShouldBeProblem(403, "QUEUE_TOKEN_WRONG_CONCERT");
        (await _api.HoldAsync(user, ticket, second.ScheduleIds[0], 1)).ShouldBeProblem(403, "QUEUE_TOKEN_WRONG_CONCERT");
    }
}
