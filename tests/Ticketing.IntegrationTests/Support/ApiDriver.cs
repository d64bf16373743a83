using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Refit;
using Ticketing.Client;

namespace Ticketing.IntegrationTests.Support;

/// <summary>A signed-in test user.</summary>
public sealed record TestUser(Guid UserId, string Name, string Password, string AccessToken);

/// <summary>A queue token and the concert it is for.</summary>
public sealed record QueueTicket(Guid ConcertId, string Token, string Status, long Position);

/// <summary>
/// Drives the real Api the way an outside client would: through the typed client of Ticketing.Client
/// (<see cref="ITicketingApi"/>), with small helpers for the journey steps the tests repeat. Every call is a real
/// request to the running Api process. <see cref="As(TestUser?, QueueTicket?)"/> gives the client of one caller, whose
/// tokens a handler attaches (as the Web's handler does); <see cref="Http"/> and <see cref="SendAsync"/> stay for
/// requests the typed client cannot make on purpose: malformed bodies, hand-made headers, routes outside the contract.
/// </summary>
public sealed class ApiDriver : IDisposable
{
    private static int s_userCounter;

    // One connection pool for every caller's client; each client only adds its own token handler in front of it.
    private readonly SocketsHttpHandler _connections = new();

    public ApiDriver(Uri apiUrl)
    {
        ApiUrl = apiUrl;
        Http = new HttpClient(_connections, disposeHandler: false) { BaseAddress = apiUrl, Timeout = RequestTimeout };
        Anonymous = As(null);
    }

    private static TimeSpan RequestTimeout => TimeSpan.FromSeconds(60);

    public Uri ApiUrl { get; }

    /// <summary>Raw HTTP to the Api, for input the typed client would never send.</summary>
    public HttpClient Http { get; }

    /// <summary>The typed client with no tokens at all.</summary>
    public ITicketingApi Anonymous { get; }

    public static string UniqueName(string prefix = "u") =>
        $"{prefix}{Environment.ProcessId % 1000}_{Interlocked.Increment(ref s_userCounter)}_{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>The typed client of <paramref name="user"/> (its access token, if any) holding <paramref name="ticket"/> (its queue token, if any).</summary>
    public ITicketingApi As(TestUser? user, QueueTicket? ticket = null) => As(user, ticket?.Token);

    /// <summary>The typed client of <paramref name="user"/> sending <paramref name="queueToken"/> as it is, forged or not.</summary>
    public ITicketingApi As(TestUser? user, string? queueToken) =>
        TicketingApiClient.Create(new HttpClient(new CallerHandler(user?.AccessToken, queueToken) { InnerHandler = _connections }, disposeHandler: false)
        {
            BaseAddress = ApiUrl,
            Timeout = RequestTimeout,
        });

    public async Task<TestUser> CreateUserAsync(string? name = null, long initialBalance = 0)
    {
        name ??= UniqueName();
        const string password = "correct-horse-battery";
        var created = (await Anonymous.SignUpAsync(new Credentials(name, password))).ShouldReturn(HttpStatusCode.Created);
        var token = (await Anonymous.SignInAsync(new Credentials(name, password))).ShouldReturn();
        var user = new TestUser(created.UserId, name, password, token.AccessToken);
        if (initialBalance > 0)
        {
            (await ChargeAsync(user, initialBalance)).ShouldHaveStatus(HttpStatusCode.OK);
        }

        return user;
    }

    /// <summary>
    /// The organiser <paramref name="name"/> (one of <see cref="TestSystem.OrganiserNames"/>) signed in: signed up by the first test that
    /// asks for it, signed in for the others (tests of one system share the name, so each asserts only on the concerts it made).
    /// </summary>
    public async Task<TestUser> OrganiserAsync(string name)
    {
        const string password = "organiser-password-1";
        var signUp = await Anonymous.SignUpAsync(new Credentials(name, password));
        if (signUp.StatusCode != HttpStatusCode.Created)
        {
            signUp.Problem()!.Code.ShouldBe(ApiContract.ErrorCodes.NameTaken);
        }

        var token = (await Anonymous.SignInAsync(new Credentials(name, password))).ShouldReturn();
        var me = (await As(new TestUser(Guid.Empty, name, password, token.AccessToken)).GetCurrentUserAsync()).ShouldReturn();
        me.Roles.ShouldContain(ApiContract.Roles.Organiser);
        return new TestUser(me.UserId, name, password, token.AccessToken);
    }

    /// <summary>A raw request: <paramref name="body"/> is sent as JSON unless it already is <see cref="HttpContent"/>.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, TestUser? user, object? body = null, string? queueToken = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        }

        if (queueToken is not null)
        {
            request.Headers.Add(ApiContract.Headers.QueueToken, queueToken);
        }

        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body);
        }

        return Http.SendAsync(request);
    }

    public async Task<QueueTicket> JoinAsync(TestUser user, Guid concertId, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var join = (await As(user).JoinQueueAsync(concertId)).ShouldReturn(expected);
        return new QueueTicket(concertId, join.QueueToken, join.Status, join.Position);
    }

    public async Task<QueueState> QueueStatusAsync(TestUser user, QueueTicket ticket) =>
        (await As(user, ticket).GetQueueStatusAsync(ticket.ConcertId)).ShouldReturn();

    /// <summary>Polls the queue (which is also the heartbeat) until ACTIVE; fails when the pass is anything but WAITING or ACTIVE,
    /// or after <paramref name="timeout"/> (default 30 s).</summary>
    public Task WaitUntilActiveAsync(TestUser user, QueueTicket ticket, TimeSpan? timeout = null) =>
        Polling.EventuallyAsync(() => QueueStatusAsync(user, ticket), state =>
        {
            state.Status.ShouldBeOneOf("WAITING", "ACTIVE");
            return state.Status == "ACTIVE";
        }, timeout ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

    /// <summary>Joins and waits for admission: a user with an ACTIVE pass for the concert.</summary>
    public async Task<QueueTicket> AdmitAsync(TestUser user, Guid concertId)
    {
        var ticket = await JoinAsync(user, concertId);
        await WaitUntilActiveAsync(user, ticket);
        return ticket;
    }

    public Task<IApiResponse<Hold>> HoldAsync(TestUser user, QueueTicket ticket, Guid scheduleId, int seatNumber) =>
        As(user, ticket).HoldSeatAsync(new HoldRequest(scheduleId, seatNumber));

    public async Task<Guid> HoldOkAsync(TestUser user, QueueTicket ticket, Guid scheduleId, int seatNumber) =>
        (await HoldAsync(user, ticket, scheduleId, seatNumber)).ShouldReturn(HttpStatusCode.Created).HoldId;

    public Task<IApiResponse<Payment>> PayAsync(TestUser user, QueueTicket ticket, Guid holdId, string? idempotencyKey = null) =>
        As(user, ticket).PayAsync(new PaymentRequest(holdId), idempotencyKey);

    public Task<IApiResponse<BalanceView>> ChargeAsync(TestUser user, long amount, string? idempotencyKey = null) =>
        As(user).ChargeAsync(new ChargeRequest(amount), idempotencyKey);

    public async Task<long> BalanceAsync(TestUser user) => (await As(user).GetBalanceAsync()).ShouldReturn().Balance;

    public void Dispose()
    {
        Http.Dispose();
        _connections.Dispose();
    }

    /// <summary>
    /// One caller's tokens on every request (<c>Authorization: Bearer</c>, <c>X-Queue-Token</c>), and the response body kept
    /// as received, so a test can compare answers byte for byte (an idempotent replay is the first response again).
    /// </summary>
    private sealed class CallerHandler(string? accessToken, string? queueToken) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (accessToken is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            }

            if (queueToken is not null)
            {
                request.Headers.TryAddWithoutValidation(ApiContract.Headers.QueueToken, queueToken);
            }

            var response = await base.SendAsync(request, cancellationToken);
            request.Options.Set(HttpAssertions.ResponseBody, await response.Content.ReadAsStringAsync(cancellationToken));
            return response;
        }
    }
}

public static class HttpAssertions
{
    /// <summary>Where a test client keeps the body of the response to a request, as received.</summary>
    public static readonly HttpRequestOptionsKey<string> ResponseBody = new("Ticketing.IntegrationTests.ResponseBody");

    /// <summary>The body of <paramref name="response"/> exactly as the Api sent it (kept by the clients of <see cref="ApiDriver.As(TestUser?, QueueTicket?)"/>).</summary>
    public static string Body(this IApiResponse response) =>
        response.RequestMessage?.Options.TryGetValue(ResponseBody, out var body) == true
            ? body
            : throw new InvalidOperationException("The response was not received through a client of ApiDriver.As.");

    public static async Task ShouldHaveStatusAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new ShouldAssertException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}, expected {(int)expected}. Body: {body}");
        }
    }

    public static IApiResponse ShouldHaveStatus(this IApiResponse response, HttpStatusCode expected)
    {
        if (!response.IsReceived)
        {
            throw new ShouldAssertException($"{Describe(response)} got no answer, expected {(int)expected}: {response.Error}");
        }

        if (response.StatusCode != expected)
        {
            throw new ShouldAssertException($"{Describe(response)} answered {(int)response.StatusCode}, expected {(int)expected}. Body: {response.Body()}");
        }

        return response;
    }

    /// <summary>Asserts <paramref name="expected"/> and a readable body, and returns the body.</summary>
    public static T ShouldReturn<T>(this IApiResponse<T> response, HttpStatusCode expected = HttpStatusCode.OK)
        where T : class
    {
        response.ShouldHaveStatus(expected);
        response.Error.ShouldBeNull($"{Describe(response)}: {response.Body()}");
        return response.Content.ShouldNotBeNull($"{Describe(response)} answered no body");
    }

    /// <summary>Asserts an RFC 9457 problem with the status and the stable <c>code</c> of API.md.</summary>
    public static async Task<JsonObject> ShouldBeProblemAsync(this HttpResponseMessage response, int status, string code) =>
        ShouldBeProblem(Describe(response.RequestMessage), (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
            await response.Content.ReadAsStringAsync(), status, code);

    /// <summary>Asserts an RFC 9457 problem with the status and the stable <c>code</c> of API.md.</summary>
    public static JsonObject ShouldBeProblem(this IApiResponse response, int status, string code)
    {
        response.IsReceived.ShouldBeTrue($"{Describe(response)} got no answer: {response.Error}");
        var error = response.Error.ShouldBeAssignableTo<ApiException>($"{Describe(response)} answered {(int)response.StatusCode}, expected a problem")!;
        return ShouldBeProblem(Describe(response), (int)response.StatusCode, error.ContentHeaders?.ContentType?.MediaType, error.Content ?? "", status, code);
    }

    public static async Task<T> ReadJsonAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(System.Text.Json.JsonSerializerOptions.Web))!;

    private static JsonObject ShouldBeProblem(string request, int actualStatus, string? mediaType, string body, int status, string code)
    {
        actualStatus.ShouldBe(status, $"{request}: {body}");
        mediaType.ShouldBe("application/problem+json", body);
        var json = JsonNode.Parse(body)!.AsObject();
        json["code"].ShouldNotBeNull($"no code in {body}");
        json["code"]!.GetValue<string>().ShouldBe(code, body);
        json["status"]!.GetValue<int>().ShouldBe(status);
        json["title"].ShouldNotBeNull();
        return json;
    }

    private static string Describe(IApiResponse response) => Describe(response.RequestMessage);

    private static string Describe(HttpRequestMessage? request) => $"{request?.Method} {request?.RequestUri?.PathAndQuery}";
}
