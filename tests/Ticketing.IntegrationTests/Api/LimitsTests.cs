using System.Net;
using System.Net.Http.Json;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

/// <summary>
/// Defending the line (issue 19; API.md "Limits, challenges and the pre-queue"): rate limits answer 429 <c>RATE_LIMITED</c> with
/// <c>Retry-After</c>; sign-in backs off per name; an ACTIVE pass ends at its max lifetime however often it is polled (a live hold
/// keeps it) and the next person is admitted; per-concert hold caps and the re-hold cool-down; two live streams per pass.
/// </summary>
public class LimitsTests(DefaultSystem fixture)
{
    private static readonly Dictionary<string, string> PassLimits = new()
    {
        ["Ticketing__Queue__ActiveCapacity"] = "1",
        ["Ticketing__Queue__AdmissionBatchSize"] = "1",
        ["Ticketing__Queue__AdmissionInterval"] = "00:00:00.100",
        ["Ticketing__Queue__ActiveMaxLifetime"] = "00:00:03",
        ["Ticketing__Queue__AbandonAfter"] = "00:05:00",
        ["Ticketing__Holds__Duration"] = "00:00:05",
        ["Ticketing__Holds__ReholdCooldown"] = "00:00:01",
    };

    // The per-address rules of sign-up and sign-in at their defaults (the test systems lift them: the suite is one address).
    private static readonly Dictionary<string, string> AddressLimits = new()
    {
        ["Ticketing__RateLimits__SignUp__Burst"] = "10",
        ["Ticketing__RateLimits__SignUp__PerSecond"] = "0.2",
        ["Ticketing__RateLimits__SignIn__Burst"] = "30",
        ["Ticketing__RateLimits__SignIn__PerSecond"] = "1",
    };

    private readonly ApiDriver _api = fixture.Driver;

    [Fact]
    public async Task A_script_repeating_join_poll_hold_payment_or_charge_gets_429_with_retry_after_at_the_default_limits()
    {
        var concert = await TestCatalog.CreateConcertAsync(fixture.Postgres);
        var user = await _api.CreateUserAsync(initialBalance: 100);
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        var client = _api.As(user, ticket);

        await ShouldBeLimitedAsync("join", 30, () => _api.As(user).JoinQueueAsync(concert.ConcertId));
        await ShouldBeLimitedAsync("poll", 60, () => client.GetQueueStatusAsync(concert.ConcertId));
        await ShouldBeLimitedAsync("hold", 60, () => client.HoldSeatAsync(new HoldRequest(concert.ScheduleIds[0], 1)));
        await ShouldBeLimitedAsync("payment", 30, () => client.PayAsync(new PaymentRequest(Guid.NewGuid())));
        await ShouldBeLimitedAsync("charge", 30, () => client.ChargeAsync(new ChargeRequest(1)));

        // Limits are per user: another user is not slowed down by the first one's script.
        var other = await _api.CreateUserAsync();
        (await _api.As(other).JoinQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Sign_up_and_sign_in_are_limited_per_address_and_a_crowd_behind_another_address_is_not_slowed()
    {
        var system = await fixture.CustomAsync("address-limits", AddressLimits);
        var bot = "203.0.113.7";
        // 15 sign-ups at once from one address: the bucket's 10 go through (11 if a token refilled while they were sent), the rest 429.
        var signUps = await Task.WhenAll(Enumerable.Range(0, 15).Select(_ =>
            SendAsync(system, "/api/users", new { name = ApiDriver.UniqueName("bot"), password = "correct-horse-battery" }, bot)));
        signUps.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBeInRange(10, 11);
        signUps.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests).ShouldBe(15 - signUps.Count(r => r.StatusCode == HttpStatusCode.Created));
        var refused = signUps.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await refused.ShouldBeProblemAsync(429, "RATE_LIMITED");
        int.Parse(refused.Headers.RetryAfter!.ToString()).ShouldBeInRange(1, 5);

        // Another address signs up at once.
        (await SendAsync(system, "/api/users", new { name = ApiDriver.UniqueName("campus"), password = "correct-horse-battery" }, "198.51.100.20"))
            .StatusCode.ShouldBe(HttpStatusCode.Created);

        // 40 sign-ins at once from one address: the bucket's 30 go through (to 401: no such names), plus what 1/s refilled meanwhile.
        var signIns = (await Task.WhenAll(Enumerable.Range(0, 40).Select(_ =>
            SendAsync(system, "/api/auth/token", new { name = ApiDriver.UniqueName("nobody"), password = "correct-horse-battery" }, bot))))
            .Select(r => r.StatusCode).ToList();
        signIns.Count(s => s == HttpStatusCode.Unauthorized).ShouldBeInRange(30, 34);
        signIns.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBe(40 - signIns.Count(s => s == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Wrong_passwords_back_off_per_name_the_right_one_waits_too_and_unknown_names_are_treated_alike()
    {
        var user = await _api.CreateUserAsync();
        var ghost = ApiDriver.UniqueName("ghost");
        foreach (var name in new[] { user.Name, ghost })
        {
            for (var i = 0; i < 6; i++)
            {
                (await _api.Anonymous.SignInAsync(new Credentials(name, "wrong-password-" + i))).ShouldBeProblem(401, "BAD_CREDENTIALS");
            }

            // The sixth failure started a 1 s block: even the right password waits.
            var blocked = await _api.Anonymous.SignInAsync(new Credentials(name, user.Password));
            blocked.ShouldBeProblem(429, "RATE_LIMITED");
            blocked.Headers!.RetryAfter.ShouldNotBeNull();
        }

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        (await _api.Anonymous.SignInAsync(new Credentials(user.Name, user.Password))).ShouldReturn();
        // A success clears the count: five more failures cost nothing again.
        for (var i = 0; i < 5; i++)
        {
            (await _api.Anonymous.SignInAsync(new Credentials(user.Name, "wrong-again"))).ShouldBeProblem(401, "BAD_CREDENTIALS");
        }

        (await _api.Anonymous.SignInAsync(new Credentials(user.Name, user.Password))).ShouldReturn();
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("\u0000")]
    [InlineData("robert'); DROP TABLE users;--")]
    [InlineData("ｆｕｌｌｗｉｄｔｈ")]
    public async Task A_sign_in_with_a_name_that_cannot_exist_is_401_not_500(string name) =>
        (await _api.Anonymous.SignInAsync(new Credentials(name, "correct-horse-battery"))).ShouldBeProblem(401, "BAD_CREDENTIALS");

    [Fact]
    public async Task A_well_signed_token_whose_subject_is_not_a_user_id_is_401_not_500()
    {
        var now = DateTime.UtcNow;
        var token = TestTokens.Sign("ticketing-access", new Dictionary<string, object> { ["sub"] = "not-a-guid", ["name"] = "x" },
            fixture.System.SigningKey, now, now.AddHours(1));
        var user = new TestUser(Guid.Empty, "x", "", token);
        (await _api.As(user).GetBalanceAsync()).ShouldBeProblem(401, "UNAUTHORIZED");
        (await _api.As(user).GetCurrentUserAsync()).ShouldBeProblem(401, "UNAUTHORIZED");
    }

    [Theory]
    [InlineData("12345678")]
    [InlineData("password")]
    [InlineData("password1")]
    [InlineData("qwertyuiop")]
    [InlineData("iloveyou123")]
    [InlineData("aaaaaaaaaa")]
    public async Task Common_and_easily_guessed_passwords_are_refused_at_sign_up(string password) =>
        (await _api.Anonymous.SignUpAsync(new Credentials(ApiDriver.UniqueName(), password))).ShouldBeProblem(400, "WEAK_PASSWORD");

    [Fact]
    public async Task An_active_pass_ends_at_its_max_lifetime_however_often_it_is_polled_and_the_next_person_is_admitted()
    {
        var system = await fixture.CustomAsync("pass-limits", PassLimits);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var first = await api.CreateUserAsync();
        var firstTicket = await api.AdmitAsync(first, concert.ConcertId);
        var admittedAt = DateTime.UtcNow;
        var next = await api.CreateUserAsync();
        var nextTicket = await api.JoinAsync(next, concert.ConcertId);
        nextTicket.Status.ShouldBe("WAITING");

        // The first person polls every 300 ms; the pass still ends about 3 s after admission, and the next person is let in.
        var ended = await Polling.EventuallyAsync(async () =>
        {
            (await api.QueueStatusAsync(next, nextTicket)).Status.ShouldNotBe("EXPIRED");
            return (await api.QueueStatusAsync(first, firstTicket)).Status;
        }, status => status == "EXPIRED", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(300));
        ended.ShouldBe("EXPIRED");
        (DateTime.UtcNow - admittedAt).ShouldBeGreaterThan(TimeSpan.FromSeconds(2.5));
        await api.WaitUntilActiveAsync(next, nextTicket, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_live_hold_keeps_the_pass_past_its_max_lifetime_so_the_seat_can_be_paid()
    {
        var system = await fixture.CustomAsync("pass-limits", PassLimits);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var buyer = await api.CreateUserAsync(initialBalance: 1_000_000);
        var ticket = await api.AdmitAsync(buyer, concert.ConcertId);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var holdId = await api.HoldOkAsync(buyer, ticket, concert.ScheduleIds[0], 20); // the hold runs 5 s, to ~7 s after admission

        await Task.Delay(TimeSpan.FromSeconds(2)); // past the 3 s lifetime
        var state = await api.QueueStatusAsync(buyer, ticket);
        state.Status.ShouldBe("ACTIVE");
        (await api.PayAsync(buyer, ticket, holdId)).ShouldReturn(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Holds_are_capped_per_concert_across_its_dates_and_a_released_seat_cools_down_for_its_holder_only()
    {
        var system = await fixture.CustomAsync("hold-limits", new Dictionary<string, string>
        {
            ["Ticketing__Queue__AdmissionInterval"] = "00:00:00.100",
            ["Ticketing__Holds__ReholdCooldown"] = "00:00:01",
        });
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, schedules: 3);
        var user = await api.CreateUserAsync();
        var ticket = await api.AdmitAsync(user, concert.ConcertId);
        await api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 1);
        await api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 2);
        await api.HoldOkAsync(user, ticket, concert.ScheduleIds[1], 1);
        var fourth = await api.HoldOkAsync(user, ticket, concert.ScheduleIds[2], 1);
        (await api.HoldAsync(user, ticket, concert.ScheduleIds[2], 2)).ShouldBeProblem(409, "HOLD_LIMIT_REACHED");

        // Released: the holder cannot take it straight back (the cool-down, 1 s here) …
        (await api.As(user).ReleaseHoldAsync(fourth)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await api.HoldAsync(user, ticket, concert.ScheduleIds[2], 1)).ShouldBeProblem(409, "SEAT_UNAVAILABLE");
        // … while someone else may hold it at once; the holder may hold another seat, and the first one again after the cool-down.
        var other = await api.CreateUserAsync();
        var otherTicket = await api.AdmitAsync(other, concert.ConcertId);
        var othersHold = await api.HoldOkAsync(other, otherTicket, concert.ScheduleIds[2], 1);
        (await api.As(other).ReleaseHoldAsync(othersHold)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        await api.HoldOkAsync(user, ticket, concert.ScheduleIds[2], 1);
    }

    [Fact]
    public async Task A_pass_has_at_most_two_open_live_streams()
    {
        var system = await fixture.CustomAsync("stream-line", QueueEventsTests.StreamLine);
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var front = await api.CreateUserAsync();
        await api.JoinAsync(front, concert.ConcertId);
        var user = await api.CreateUserAsync();
        var ticket = await api.JoinAsync(user, concert.ConcertId);

        await using var one = await EventStream.OpenAsync(api.Http, EventStream.ApiRequest(concert.ConcertId, user.AccessToken, ticket.Token));
        var two = await EventStream.OpenAsync(api.Http, EventStream.ApiRequest(concert.ConcertId, user.AccessToken, ticket.Token));
        var third = await api.Http.SendAsync(EventStream.ApiRequest(concert.ConcertId, user.AccessToken, ticket.Token), HttpCompletionOption.ResponseHeadersRead);
        await third.ShouldBeProblemAsync(409, "TOO_MANY_STREAMS");

        await two.DisposeAsync();
        await Polling.EventuallyAsync(async () =>
        {
            using var again = await api.Http.SendAsync(EventStream.ApiRequest(concert.ConcertId, user.AccessToken, ticket.Token), HttpCompletionOption.ResponseHeadersRead);
            return again.StatusCode;
        }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
    }

    private static async Task ShouldBeLimitedAsync<T>(string what, int attempts, Func<Task<T>> call) where T : class, Refit.IApiResponse
    {
        var statuses = new List<HttpStatusCode?>();
        T? limited = default;
        for (var i = 0; i < attempts && limited is null; i++)
        {
            var response = await call();
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }

        limited.ShouldNotBeNull($"{what}: no 429 in {attempts} quick requests ({string.Join(", ", statuses)})");
        limited!.ShouldBeProblem(429, "RATE_LIMITED");
        int.Parse(limited.Headers!.RetryAfter!.ToString()).ShouldBeGreaterThanOrEqualTo(1);
        statuses.Count.ShouldBeGreaterThan(5, $"{what}: a person's few requests pass");
    }

    private static Task<HttpResponseMessage> SendAsync(TestSystem system, string path, object body, string clientAddress)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", clientAddress);
        return system.Driver.Http.SendAsync(request);
    }
}
