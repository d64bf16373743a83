using System.Net;
using System.Text;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

public class UsersTests(DefaultSystem system)
{
    private readonly ApiDriver _api = system.Driver;

    [Fact]
    public async Task Sign_up_then_sign_in_returns_an_access_token_that_opens_protected_routes()
    {
        var user = await _api.CreateUserAsync();
        (await _api.BalanceAsync(user)).ShouldBe(0);
    }

    [Fact]
    public async Task A_name_is_taken_whatever_its_case()
    {
        var name = ApiDriver.UniqueName("Case");
        await _api.CreateUserAsync(name);
        var again = await _api.Anonymous.SignUpAsync(new Credentials(name.ToUpperInvariant(), "another-long-passphrase-7"));
        again.ShouldBeProblem(409, "NAME_TAKEN");
    }

    [Fact]
    public async Task Twenty_sign_ups_of_one_name_at_once_make_one_account_and_twenty_of_different_names_make_twenty()
    {
        // Forty PBKDF2 hashes at once: they queue for a core (PasswordWork) and every one is answered, none with a 5xx.
        var name = ApiDriver.UniqueName("Race");
        var sameName = Enumerable.Range(0, 20).Select(i => _api.Anonymous.SignUpAsync(
            new Credentials(i % 2 == 0 ? name : name.ToUpperInvariant(), $"race-passphrase-{i}")));
        var distinct = Enumerable.Range(0, 20).Select(i => _api.Anonymous.SignUpAsync(
            new Credentials(ApiDriver.UniqueName("Many"), "many-passphrase-7")));
        var answers = await Task.WhenAll(sameName.Concat(distinct));

        var raced = answers[..20];
        raced.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        raced.Where(a => a.StatusCode != HttpStatusCode.Created).ShouldAllBe(a => a.Problem()!.Code == "NAME_TAKEN");
        answers[20..].ShouldAllBe(a => a.StatusCode == HttpStatusCode.Created);
        var winner = raced.Select((a, i) => (a, i)).Single(x => x.a.StatusCode == HttpStatusCode.Created).i;
        (await _api.Anonymous.SignInAsync(new Credentials(name, $"race-passphrase-{winner}"))).ShouldReturn();
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("has space")]
    [InlineData("")]
    public async Task An_invalid_name_is_refused(string name)
    {
        var response = await _api.Anonymous.SignUpAsync(new Credentials(name, "long-enough-password"));
        response.ShouldBeProblem(400, "INVALID_NAME");
    }

    [Fact]
    public async Task A_short_password_is_refused()
    {
        var response = await _api.Anonymous.SignUpAsync(new Credentials(ApiDriver.UniqueName(), "short"));
        response.ShouldBeProblem(400, "WEAK_PASSWORD");
    }

    [Fact]
    public async Task Wrong_password_and_unknown_name_both_answer_bad_credentials()
    {
        var user = await _api.CreateUserAsync();
        var wrongPassword = await _api.Anonymous.SignInAsync(new Credentials(user.Name, "not-the-password"));
        wrongPassword.ShouldBeProblem(401, "BAD_CREDENTIALS");
        var unknown = await _api.Anonymous.SignInAsync(new Credentials(ApiDriver.UniqueName("ghost"), "whatever-password"));
        unknown.ShouldBeProblem(401, "BAD_CREDENTIALS");
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"password\":")]
    [InlineData("not json")]
    [InlineData("{\"name\":5,\"password\":[]}")]
    public async Task Malformed_json_is_a_400_with_a_code(string body)
    {
        // Raw HTTP: malformed on purpose.
        var response = await _api.Http.PostAsync("/api/users", new StringContent(body, Encoding.UTF8, "application/json"));
        await response.ShouldBeProblemAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Protected_routes_without_or_with_a_forged_access_token_answer_401()
    {
        (await _api.Anonymous.GetBalanceAsync()).ShouldBeProblem(401, "UNAUTHORIZED");

        var forged = new TestUser(Guid.NewGuid(), "forger",
            "x", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLWZvcmdlZA");
        (await _api.As(forged).GetBalanceAsync()).ShouldBeProblem(401, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Unknown_routes_answer_a_404_problem()
    {
        // Raw HTTP: routes outside the contract.
        var response = await _api.Http.GetAsync("/api/no-such-route");
        await response.ShouldBeProblemAsync(404, "NOT_FOUND");
        (await _api.Http.GetAsync("/api/schedules/not-a-guid/seats")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
