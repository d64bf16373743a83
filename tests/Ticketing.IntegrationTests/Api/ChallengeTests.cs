using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using StackExchange.Redis;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

/// <summary>The system with the join challenge on, as <c>./run.sh</c> runs (the test run's other systems turn it off).</summary>
public static class ChallengeSystem
{
    /// <summary>The settings every test of the challenge-enabled system asks for (one system, shared by name).</summary>
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string> { ["Ticketing__Challenge__Enabled"] = "true" };

    /// <summary>The shared challenge-enabled system, with its Web.</summary>
    public static Task<TestSystem> StartAsync(DefaultSystem fixture) => fixture.CustomAsync("challenge", Settings, withWeb: true);
}

/// <summary>
/// The join challenge at the Api (API.md "Limits, challenges and the pre-queue"): sign-up and joining a queue need a solved ALTCHA
/// challenge in <c>X-Challenge-Solution</c>, each solution is accepted once however many requests carry it, and a refused request
/// writes nothing. Solutions are found by brute force in C# (<see cref="AltchaSolver"/>), at the system's default difficulty.
/// </summary>
public class ChallengeTests(DefaultSystem fixture, ITestOutputHelper output)
{
    private const string Password = "correct-horse-battery";

    [Fact]
    public async Task Sign_up_without_a_solution_is_403_challenge_required_and_creates_no_user()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var name = ApiDriver.UniqueName("nochallenge");

        var refused = await system.Driver.Anonymous.SignUpAsync(new Credentials(name, Password));

        refused.ShouldBeProblem(403, ApiContract.ErrorCodes.ChallengeRequired);
        (await UsersNamedAsync(system, name)).ShouldBe(0);
    }

    [Fact]
    public async Task Joining_without_a_solution_is_403_challenge_required_and_takes_no_place_in_line()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = (await system.CreateUsersAsync(1))[0];

        (await system.Driver.As(user).JoinQueueAsync(concert.ConcertId)).ShouldBeProblem(403, ApiContract.ErrorCodes.ChallengeRequired);
        (await system.Driver.Anonymous.JoinQueueAsync(concert.ConcertId)).ShouldBeProblem(401, ApiContract.ErrorCodes.Unauthorized); // sign-in first

        // Nothing was kept: the first join that carries a solution is a new place (201), not the caller's place again (200).
        var join = await system.Driver.As(user).JoinQueueAsync(concert.ConcertId, await AltchaSolver.SolveNewAsync(system.Driver.Anonymous));
        join.ShouldReturn(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_solved_challenge_signs_up_and_another_joins_and_each_is_remembered_until_it_expires()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var api = system.Driver.Anonymous;
        var name = ApiDriver.UniqueName("solver");

        var challenge = (await api.GetChallengeAsync()).ShouldReturn();
        var (solution, counter, took) = AltchaSolver.Solve(challenge);
        output.WriteLine($"C#: counter {counter} of at most 3,000 at cost {challenge.Parameters.Cost}, found in {took.TotalMilliseconds:0} ms on {Environment.ProcessorCount} cores");
        (await api.SignUpAsync(new Credentials(name, Password), solution)).ShouldReturn(HttpStatusCode.Created);
        var token = (await api.SignInAsync(new Credentials(name, Password))).ShouldReturn(); // sign-in needs no challenge
        var user = new TestUser(Guid.Empty, name, Password, token.AccessToken);
        (await system.Driver.As(user).JoinQueueAsync(concert.ConcertId, await AltchaSolver.SolveNewAsync(api))).ShouldReturn(HttpStatusCode.Created);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(system.Redis);
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync($"challenge:used:{challenge.Parameters.Nonce}");
        ttl.ShouldNotBeNull().ShouldBeLessThanOrEqualTo(DateTimeOffset.FromUnixTimeSeconds(challenge.Parameters.ExpiresAt) - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1));
        ttl.Value.ShouldBeGreaterThan(TimeSpan.Zero);
    }

    [Fact]
    public async Task A_forged_tampered_wrong_or_garbage_solution_is_403_challenge_invalid_and_creates_no_user()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var api = system.Driver.Anonymous;
        var solved = await AltchaSolver.SolveNewAsync(api);
        var otherKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        string[] refused =
        [
            AltchaSolver.Solve(AltchaSolver.Forge(otherKey, 10, 10, DateTimeOffset.UtcNow.AddMinutes(1))).Header, // signed with another key
            Edit(solved, root => root["challenge"]!["parameters"]!["cost"] = 1), // a cheaper challenge than the one signed
            Edit(solved, root => root["challenge"]!["parameters"]!["expiresAt"] = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds()),
            Edit(solved, root => root["solution"]!["derivedKey"] = root["challenge"]!["parameters"]!["keyPrefix"]!.GetValue<string>() + new string('0', 32)),
            "not base64!",
            Convert.ToBase64String("{\"challenge\":{}}"u8.ToArray()),
        ];
        var names = new List<string>();
        foreach (var header in refused)
        {
            var name = ApiDriver.UniqueName("forger");
            names.Add(name);
            (await api.SignUpAsync(new Credentials(name, Password), header)).ShouldBeProblem(403, ApiContract.ErrorCodes.ChallengeInvalid);
        }

        foreach (var name in names)
        {
            (await UsersNamedAsync(system, name)).ShouldBe(0);
        }
    }

    [Fact]
    public async Task An_expired_challenge_signed_by_the_api_is_403_challenge_invalid()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var expired = AltchaSolver.Forge(system.SigningKey, 10, 10, DateTimeOffset.UtcNow.AddSeconds(-5));
        var live = AltchaSolver.Forge(system.SigningKey, 10, 10, DateTimeOffset.UtcNow.AddMinutes(1)); // the same signing, not expired
        var name = ApiDriver.UniqueName("late");

        var refused = (await system.Driver.Anonymous.SignUpAsync(new Credentials(name, Password), AltchaSolver.Solve(expired).Header))
            .ShouldBeProblem(403, ApiContract.ErrorCodes.ChallengeInvalid);
        refused["detail"]!.GetValue<string>().ShouldContain("expired");
        (await UsersNamedAsync(system, name)).ShouldBe(0);
        (await system.Driver.Anonymous.SignUpAsync(new Credentials(name, Password), AltchaSolver.Solve(live).Header)).ShouldReturn(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_solution_is_accepted_once_and_a_replay_is_403_challenge_invalid()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var api = system.Driver.Anonymous;
        var solution = await AltchaSolver.SolveNewAsync(api);
        var first = ApiDriver.UniqueName("once");
        var second = ApiDriver.UniqueName("twice");

        (await api.SignUpAsync(new Credentials(first, Password), solution)).ShouldReturn(HttpStatusCode.Created);
        var replay = (await api.SignUpAsync(new Credentials(second, Password), solution)).ShouldBeProblem(403, ApiContract.ErrorCodes.ChallengeInvalid);
        replay["detail"]!.GetValue<string>().ShouldContain("already used");
        (await UsersNamedAsync(system, second)).ShouldBe(0);

        // Spent on sign-up, so no good for a join either.
        var user = (await system.CreateUsersAsync(1))[0];
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        (await system.Driver.As(user).JoinQueueAsync(concert.ConcertId, solution)).ShouldBeProblem(403, ApiContract.ErrorCodes.ChallengeInvalid);
    }

    [Fact]
    public async Task Twenty_sign_ups_at_once_with_one_solution_create_exactly_one_user()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var api = system.Driver.Anonymous;
        var solution = await AltchaSolver.SolveNewAsync(api);
        var names = Enumerable.Range(0, 20).Select(_ => ApiDriver.UniqueName("crowd")).ToArray();

        var answers = await Task.WhenAll(names.Select(name => api.SignUpAsync(new Credentials(name, Password), solution)));

        answers.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
        {
            refused.ShouldBeProblem(403, ApiContract.ErrorCodes.ChallengeInvalid);
        }

        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM users WHERE name = ANY(@names)", new { names })).ShouldBe(1);
    }

    [Fact]
    public async Task Twenty_joins_at_once_with_one_solution_give_exactly_one_place_in_line()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var users = await system.CreateUsersAsync(20);
        var solution = await AltchaSolver.SolveNewAsync(system.Driver.Anonymous);

        var answers = await Task.WhenAll(users.Select(user => system.Driver.As(user).JoinQueueAsync(concert.ConcertId, solution)));

        answers.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
        {
            refused.ShouldBeProblem(403, ApiContract.ErrorCodes.ChallengeInvalid);
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(system.Redis);
        var db = redis.GetDatabase();
        var places = 0;
        foreach (var user in users)
        {
            places += await db.KeyExistsAsync($"wr:{concert.ConcertId:N}:user:{user.UserId:N}") ? 1 : 0;
        }

        places.ShouldBe(1);
    }

    [Fact]
    public async Task The_challenge_is_anonymous_never_cached_and_described_in_the_OpenAPI_document()
    {
        var system = await ChallengeSystem.StartAsync(fixture);

        var response = await system.Driver.Http.GetAsync("/api/challenge");
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        var challenge = await response.ReadJsonAsync<AltchaChallenge>();
        challenge.Parameters.Algorithm.ShouldBe("PBKDF2/SHA-256");
        challenge.Parameters.Cost.ShouldBe(500);
        (DateTimeOffset.FromUnixTimeSeconds(challenge.Parameters.ExpiresAt) - DateTimeOffset.UtcNow).ShouldBeInRange(TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(121));
        (await system.Driver.Anonymous.GetChallengeAsync()).ShouldReturn().Parameters.Nonce.ShouldNotBe(challenge.Parameters.Nonce); // a new one each time

        var document = JsonNode.Parse(await system.Driver.Http.GetStringAsync("/openapi/v1.json"))!;
        document["paths"]!["/api/challenge"]!["get"]!["description"]!.GetValue<string>().ShouldContain("ALTCHA");
        foreach (var (path, method) in new[] { ("/api/users", "post"), ("/api/concerts/{concertId}/queue", "post") })
        {
            var operation = document["paths"]!.AsObject().Single(p => p.Key.TrimEnd('/') == path).Value![method]!;
            operation["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ShouldContain("X-Challenge-Solution");
            operation["responses"]!["403"].ShouldNotBeNull();
        }
    }

    private static Task<long> UsersNamedAsync(TestSystem system, string name) =>
        TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM users WHERE lower(name) = lower(@name)", new { name });

    private static string Edit(string header, Action<JsonNode> edit)
    {
        var root = JsonNode.Parse(Convert.FromBase64String(header))!;
        edit(root);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(root.ToJsonString()));
    }
}
