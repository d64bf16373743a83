using System.Net;
using System.Text.Json.Nodes;
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
        var response = await _api.SendAsync(HttpMethod.Post, $"/api/concerts/{concert.ConcertId}/queue", user);
        await response.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var body = await response.ReadJsonAsync<JsonObject>();
        body["queueToken"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        body["status"]!.GetValue<string>().ShouldBeOneOf("WAITING", "ACTIVE");
        body["position"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(0);
        body["estimatedWaitSeconds"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(0);

        var ticket = new QueueTicket(concert.ConcertId, body["queueToken"]!.GetValue<string>(), "", 0);
        await _api.WaitUntilActiveAsync(user, ticket);
        var status = await _api.QueueStatusAsync(user, ticket);
        status["position"]!.GetValue<long>().ShouldBe(0);
        status["activeUntil"]!.GetValue<DateTimeOffset>().ShouldBeGreaterThan(DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Joining_again_while_the_token_is_live_returns_the_same_token()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var first = await _api.JoinAsync(user, concert.ConcertId);
        var again = await _api.JoinAsync(user, concert.ConcertId, HttpStatusCode.OK);
        again.Token.ShouldBe(first.Token);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _api.SendAsync(HttpMethod.Post, $"/api/concerts/{concert.ConcertId}/queue", user)));
        foreach (var response in concurrent)
        {
            await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
            (await response.ReadJsonAsync<JsonObject>())["queueToken"]!.GetValue<string>().ShouldBe(first.Token);
        }
    }

    [Fact]
    public async Task Concurrent_first_joins_of_one_user_give_one_place_in_line()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _api.SendAsync(HttpMethod.Post, $"/api/concerts/{concert.ConcertId}/queue", user)));
        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        var tokens = await Task.WhenAll(responses.Select(async r => (await r.ReadJsonAsync<JsonObject>())["queueToken"]!.GetValue<string>()));
        tokens.Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task Leaving_expires_the_token_and_a_new_join_gets_a_new_one()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        (await _api.SendAsync(HttpMethod.Delete, $"/api/concerts/{concert.ConcertId}/queue", user, queueToken: ticket.Token)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _api.QueueStatusAsync(user, ticket))["status"]!.GetValue<string>().ShouldBe("EXPIRED");
        await (await _api.HoldAsync(user, ticket, concert.ScheduleIds[0], 1)).ShouldBeProblemAsync(401, "QUEUE_TOKEN_EXPIRED");

        var fresh = await _api.JoinAsync(user, concert.ConcertId);
        fresh.Token.ShouldNotBe(ticket.Token);
    }

    [Fact]
    public async Task Joining_an_unknown_concert_is_404_and_joining_needs_sign_in()
    {
        var user = await _api.CreateUserAsync();
        await (await _api.SendAsync(HttpMethod.Post, $"/api/concerts/{Guid.NewGuid()}/queue", user)).ShouldBeProblemAsync(404, "CONCERT_NOT_FOUND");
        await (await _api.SendAsync(HttpMethod.Post, $"/api/concerts/{Guid.NewGuid()}/queue", null)).ShouldBeProblemAsync(401, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Missing_forged_and_other_users_queue_tokens_are_invalid()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var other = await _api.CreateUserAsync();
        var othersTicket = await _api.AdmitAsync(other, concert.ConcertId);
        var path = $"/api/concerts/{concert.ConcertId}/schedules";

        await (await _api.SendAsync(HttpMethod.Get, path, user)).ShouldBeProblemAsync(401, "QUEUE_TOKEN_INVALID");
        await (await _api.SendAsync(HttpMethod.Get, path, user, queueToken: "not-a-jwt")).ShouldBeProblemAsync(401, "QUEUE_TOKEN_INVALID");
        var tampered = othersTicket.Token[..^4] + (othersTicket.Token.EndsWith("AAAA") ? "BBBB" : "AAAA");
        await (await _api.SendAsync(HttpMethod.Get, path, other, queueToken: tampered)).ShouldBeProblemAsync(401, "QUEUE_TOKEN_INVALID");
        await (await _api.SendAsync(HttpMethod.Get, path, user, queueToken: othersTicket.Token)).ShouldBeProblemAsync(401, "QUEUE_TOKEN_INVALID");
        // An access token is not a queue token.
        await (await _api.SendAsync(HttpMethod.Get, path, other, queueToken: other.AccessToken)).ShouldBeProblemAsync(401, "QUEUE_TOKEN_INVALID");
    }

    [Fact]
    public async Task Another_concerts_token_is_the_wrong_concert()
    {
        var first = await TestCatalog.CreateConcertAsync(system.Postgres);
        var second = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, first.ConcertId);
        await (await _api.SendAsync(HttpMethod.Get, $"/api/concerts/{second.ConcertId}/schedules", user, queueToken: ticket.Token))
            .ShouldBeProblemAsync(403, "QUEUE_TOKEN_WRONG_CONCERT");
        await (await _api.HoldAsync(user, ticket, second.ScheduleIds[0], 1)).ShouldBeProblemAsync(403, "QUEUE_TOKEN_WRONG_CONCERT");
    }
}
