using System.Net;
using System.Net.Http.Json;
using System.Text;
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
        var again = await _api.Http.PostAsJsonAsync("/api/users", new { name = name.ToUpperInvariant(), password = "another-password" });
        await again.ShouldBeProblemAsync(409, "NAME_TAKEN");
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("has space")]
    [InlineData("")]
    public async Task An_invalid_name_is_refused(string name)
    {
        var response = await _api.Http.PostAsJsonAsync("/api/users", new { name, password = "long-enough-password" });
        await response.ShouldBeProblemAsync(400, "INVALID_NAME");
    }

    [Fact]
    public async Task A_short_password_is_refused()
    {
        var response = await _api.Http.PostAsJsonAsync("/api/users", new { name = ApiDriver.UniqueName(), password = "short" });
        await response.ShouldBeProblemAsync(400, "WEAK_PASSWORD");
    }

    [Fact]
    public async Task Wrong_password_and_unknown_name_both_answer_bad_credentials()
    {
        var user = await _api.CreateUserAsync();
        var wrongPassword = await _api.Http.PostAsJsonAsync("/api/auth/token", new { name = user.Name, password = "not-the-password" });
        await wrongPassword.ShouldBeProblemAsync(401, "BAD_CREDENTIALS");
        var unknown = await _api.Http.PostAsJsonAsync("/api/auth/token", new { name = ApiDriver.UniqueName("ghost"), password = "whatever-password" });
        await unknown.ShouldBeProblemAsync(401, "BAD_CREDENTIALS");
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"password\":")]
    [InlineData("not json")]
    [InlineData("{\"name\":5,\"password\":[]}")]
    public async Task Malformed_json_is_a_400_with_a_code(string body)
    {
        var response = await _api.Http.PostAsync("/api/users", new StringContent(body, Encoding.UTF8, "application/json"));
        await response.ShouldBeProblemAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Protected_routes_without_or_with_a_forged_access_token_answer_401()
    {
        var none = await _api.Http.GetAsync("/api/balance");
        await none.ShouldBeProblemAsync(401, "UNAUTHORIZED");

        var forged = new TestUser(Guid.NewGuid(), "forger",
            "x", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLWZvcmdlZA");
        var response = await _api.SendAsync(HttpMethod.Get, "/api/balance", forged);
        await response.ShouldBeProblemAsync(401, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Unknown_routes_answer_a_404_problem()
    {
        var response = await _api.Http.GetAsync("/api/no-such-route");
        await response.ShouldBeProblemAsync(404, "NOT_FOUND");
        (await _api.Http.GetAsync("/api/schedules/not-a-guid/seats")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
