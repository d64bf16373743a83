using System.Net;
using System.Text;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

public class BalanceTests(DefaultSystem system)
{
    private readonly ApiDriver _api = system.Driver;

    [Fact]
    public async Task A_charge_adds_points_and_writes_a_history_row()
    {
        var user = await _api.CreateUserAsync();
        (await _api.ChargeAsync(user, 1_500)).ShouldReturn().Balance.ShouldBe(1_500);
        (await _api.ChargeAsync(user, 500)).ShouldHaveStatus(HttpStatusCode.OK);

        var history = (await _api.As(user).GetHistoryAsync()).ShouldReturn();
        history.Count.ShouldBe(2);
        history[0].Amount.ShouldBe(500);      // newest first
        history[0].BalanceAfter.ShouldBe(2_000);
        history[0].Kind.ShouldBe("CHARGE");
        history[1].BalanceAfter.ShouldBe(1_500);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_000_001)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public async Task An_amount_outside_1_to_the_maximum_is_refused_and_changes_nothing(long amount)
    {
        var user = await _api.CreateUserAsync();
        (await _api.ChargeAsync(user, amount)).ShouldBeProblem(400, "INVALID_AMOUNT");
        (await _api.BalanceAsync(user)).ShouldBe(0);
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM balance_history WHERE user_id = @id", new { id = user.UserId })).ShouldBe(0);
    }

    [Fact]
    public async Task A_missing_amount_is_invalid_and_a_non_number_is_malformed()
    {
        // Raw HTTP: the typed client cannot leave the amount out or send a string.
        var user = await _api.CreateUserAsync();
        await (await _api.SendAsync(HttpMethod.Post, "/api/balance/charges", user, new { })).ShouldBeProblemAsync(400, "INVALID_AMOUNT");
        var text = new StringContent("{\"amount\":\"lots\"}", Encoding.UTF8, "application/json");
        await (await _api.SendAsync(HttpMethod.Post, "/api/balance/charges", user, text)).ShouldBeProblemAsync(400, "INVALID_REQUEST");
        (await _api.BalanceAsync(user)).ShouldBe(0);
    }

    [Fact]
    public async Task The_same_idempotency_key_replays_the_first_response_and_charges_once()
    {
        var user = await _api.CreateUserAsync();
        var first = await _api.ChargeAsync(user, 700, "charge-key-1");
        first.ShouldHaveStatus(HttpStatusCode.OK);
        var firstBody = first.Body();
        firstBody.ShouldContain("\"balance\":700");
        (await _api.ChargeAsync(user, 1, "other-key")).ShouldHaveStatus(HttpStatusCode.OK);

        var replay = await _api.ChargeAsync(user, 700, "charge-key-1");
        replay.ShouldHaveStatus(HttpStatusCode.OK);
        replay.Body().ShouldBe(firstBody);
        (await _api.BalanceAsync(user)).ShouldBe(701);
    }

    [Fact]
    public async Task The_same_idempotency_key_with_another_body_is_refused()
    {
        var user = await _api.CreateUserAsync();
        (await _api.ChargeAsync(user, 700, "charge-key-2")).ShouldHaveStatus(HttpStatusCode.OK);
        (await _api.ChargeAsync(user, 800, "charge-key-2")).ShouldBeProblem(422, "IDEMPOTENCY_KEY_REUSED");
        (await _api.BalanceAsync(user)).ShouldBe(700);
    }

    [Fact]
    public async Task An_idempotency_key_over_255_characters_is_refused()
    {
        var user = await _api.CreateUserAsync();
        (await _api.ChargeAsync(user, 5, new string('k', 256))).ShouldBeProblem(400, "INVALID_IDEMPOTENCY_KEY");
        (await _api.BalanceAsync(user)).ShouldBe(0);
    }

    [Fact]
    public async Task Concurrent_charges_of_one_user_add_up_exactly()
    {
        var unlimited = await system.UnlimitedAsync(); // 200 charges of one user at once: past the per-user limit, on purpose
        var api = unlimited.Driver;
        var user = await api.CreateUserAsync();
        const int count = 200;
        var responses = await Task.WhenAll(Enumerable.Range(1, count).Select(i => api.ChargeAsync(user, i)));
        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(count);
        const long expected = count * (count + 1) / 2;
        (await api.BalanceAsync(user)).ShouldBe(expected);
        (await TestCatalog.ScalarAsync<long>(unlimited.Postgres, "SELECT count(*) FROM balance_history WHERE user_id = @id AND kind = 'CHARGE'", new { id = user.UserId })).ShouldBe(count);
    }

    [Fact]
    public async Task Concurrent_repeats_of_one_idempotency_key_charge_once()
    {
        var api = (await system.UnlimitedAsync()).Driver; // 30 at once: past the per-user limit, on purpose
        var user = await api.CreateUserAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => api.ChargeAsync(user, 250, "same-key-at-once")));
        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK || r.StatusCode == HttpStatusCode.Conflict);
        var bodies = responses.Where(r => r.StatusCode == HttpStatusCode.OK).Select(r => r.Body()).ToArray();
        bodies.Distinct().Count().ShouldBe(1);
        (await api.BalanceAsync(user)).ShouldBe(250);
    }
}
