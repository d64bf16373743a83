using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ticketing.IntegrationTests.Support;

/// <summary>A signed-in test user.</summary>
public sealed record TestUser(Guid UserId, string Name, string Password, string AccessToken);

/// <summary>A queue token and the concert it is for.</summary>
public sealed record QueueTicket(Guid ConcertId, string Token, string Status, long Position);

/// <summary>
/// Drives the real Api over HTTP the way an outside client would (API.md), with small helpers for the
/// journey steps the tests repeat. Every call is a real request to the running Api process.
/// </summary>
public sealed class ApiDriver(HttpClient http)
{
    private static int s_userCounter;

    public HttpClient Http { get; } = http;

    public static string UniqueName(string prefix = "u") =>
        $"{prefix}{Environment.ProcessId % 1000}_{Interlocked.Increment(ref s_userCounter)}_{Guid.NewGuid().ToString("N")[..6]}";

    public async Task<TestUser> CreateUserAsync(string? name = null, long initialBalance = 0)
    {
        name ??= UniqueName();
        const string password = "correct-horse-battery";
        var created = await Http.PostAsJsonAsync("/api/users", new { name, password });
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var userId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["userId"]!.GetValue<Guid>();

        var tokenResponse = await Http.PostAsJsonAsync("/api/auth/token", new { name, password });
        await tokenResponse.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
        var user = new TestUser(userId, name, password, token);
        if (initialBalance > 0)
        {
            var charge = await SendAsync(HttpMethod.Post, "/api/balance/charges", user, new { amount = initialBalance });
            await charge.ShouldHaveStatusAsync(HttpStatusCode.OK);
        }

        return user;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, TestUser? user, object? body = null,
        string? queueToken = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        }

        if (queueToken is not null)
        {
            request.Headers.Add("X-Queue-Token", queueToken);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body);
        }

        return Http.SendAsync(request);
    }

    public async Task<QueueTicket> JoinAsync(TestUser user, Guid concertId, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await SendAsync(HttpMethod.Post, $"/api/concerts/{concertId}/queue", user);
        await response.ShouldHaveStatusAsync(expected);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return new QueueTicket(concertId, json["queueToken"]!.GetValue<string>(), json["status"]!.GetValue<string>(), json["position"]!.GetValue<long>());
    }

    public async Task<JsonObject> QueueStatusAsync(TestUser user, QueueTicket ticket)
    {
        var response = await SendAsync(HttpMethod.Get, $"/api/concerts/{ticket.ConcertId}/queue", user, queueToken: ticket.Token);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Polls the queue (which is also the heartbeat) until ACTIVE; fails after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilActiveAsync(TestUser user, QueueTicket ticket, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        string status;
        do
        {
            status = (await QueueStatusAsync(user, ticket))["status"]!.GetValue<string>();
            if (status == "ACTIVE")
            {
                return;
            }

            status.ShouldBe("WAITING");
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Queue token of {user.Name} was not admitted within the timeout (last status {status}).");
    }

    /// <summary>Joins and waits for admission: a user with an ACTIVE pass for the concert.</summary>
    public async Task<QueueTicket> AdmitAsync(TestUser user, Guid concertId)
    {
        var ticket = await JoinAsync(user, concertId);
        await WaitUntilActiveAsync(user, ticket);
        return ticket;
    }

    public Task<HttpResponseMessage> HoldAsync(TestUser user, QueueTicket ticket, Guid scheduleId, int seatNumber) =>
        SendAsync(HttpMethod.Post, "/api/holds", user, new { scheduleId, seatNumber }, ticket.Token);

    public async Task<Guid> HoldOkAsync(TestUser user, QueueTicket ticket, Guid scheduleId, int seatNumber)
    {
        var response = await HoldAsync(user, ticket, scheduleId, seatNumber);
        await response.ShouldHaveStatusAsync(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["holdId"]!.GetValue<Guid>();
    }

    public Task<HttpResponseMessage> PayAsync(TestUser user, QueueTicket ticket, Guid holdId, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, "/api/payments", user, new { holdId }, ticket.Token, idempotencyKey);

    public Task<HttpResponseMessage> ChargeAsync(TestUser user, object amount, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, "/api/balance/charges", user, new { amount }, idempotencyKey: idempotencyKey);

    public async Task<long> BalanceAsync(TestUser user)
    {
        var response = await SendAsync(HttpMethod.Get, "/api/balance", user);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["balance"]!.GetValue<long>();
    }

    public async Task<JsonArray> GetArrayAsync(string path, TestUser? user, string? queueToken = null)
    {
        var response = await SendAsync(HttpMethod.Get, path, user, queueToken: queueToken);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonArray>())!;
    }
}

public static class HttpAssertions
{
    public static async Task ShouldHaveStatusAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new ShouldAssertException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}, expected {(int)expected}. Body: {body}");
        }
    }

    /// <summary>Asserts an RFC 9457 problem with the status and the stable <c>code</c> of API.md.</summary>
    public static async Task<JsonObject> ShouldBeProblemAsync(this HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {body}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        var json = JsonNode.Parse(body)!.AsObject();
        json["code"].ShouldNotBeNull($"no code in {body}");
        json["code"]!.GetValue<string>().ShouldBe(code, body);
        json["status"]!.GetValue<int>().ShouldBe(status);
        json["title"].ShouldNotBeNull();
        return json;
    }

    public static async Task<T> ReadJsonAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(JsonSerializerOptions.Web))!;
}
