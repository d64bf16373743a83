using System.Net;
using System.Text.Json.Nodes;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

public class PaymentsTests(DefaultSystem system)
{
    private readonly ApiDriver _api = system.Driver;

    [Fact]
    public async Task The_whole_journey_join_admit_browse_hold_top_up_pay_and_see_the_reservation()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.JoinAsync(user, concert.ConcertId);
        await _api.WaitUntilActiveAsync(user, ticket);

        var schedules = await _api.GetArrayAsync($"/api/concerts/{concert.ConcertId}/schedules", user, ticket.Token);
        var scheduleId = schedules[0]!["scheduleId"]!.GetValue<Guid>();
        var seats = await _api.GetArrayAsync($"/api/schedules/{scheduleId}/seats", user, ticket.Token);
        seats[7]!["status"]!.GetValue<string>().ShouldBe("AVAILABLE");
        var holdId = await _api.HoldOkAsync(user, ticket, scheduleId, 8);
        await (await _api.ChargeAsync(user, 200_000)).ShouldHaveStatusAsync(HttpStatusCode.OK);

        var paid = await _api.PayAsync(user, ticket, holdId);
        await paid.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var payment = await paid.ReadJsonAsync<JsonObject>();
        payment["amount"]!.GetValue<long>().ShouldBe(TestCatalog.VipPrice);
        payment["balance"]!.GetValue<long>().ShouldBe(200_000 - TestCatalog.VipPrice);

        var reservations = await _api.GetArrayAsync("/api/reservations", user);
        reservations.Count.ShouldBe(1);
        reservations[0]!["reservationId"]!.GetValue<Guid>().ShouldBe(payment["reservationId"]!.GetValue<Guid>());
        reservations[0]!["seatNumber"]!.GetValue<int>().ShouldBe(8);
        reservations[0]!["status"]!.GetValue<string>().ShouldBe("CONFIRMED");
        reservations[0]!["grade"]!.GetValue<string>().ShouldBe("VIP");

        var history = await _api.GetArrayAsync("/api/balance/history", user);
        history[0]!["kind"]!.GetValue<string>().ShouldBe("PAYMENT");
        history[0]!["amount"]!.GetValue<long>().ShouldBe(TestCatalog.VipPrice);
        history[0]!["balanceAfter"]!.GetValue<long>().ShouldBe(50_000);
    }

    [Fact]
    public async Task Insufficient_balance_answers_402_keeps_the_hold_and_a_top_up_then_pays()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync(initialBalance: 1_000);
        var rival = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        var rivalTicket = await _api.AdmitAsync(rival, concert.ConcertId);
        var holdId = await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 30);

        await (await _api.PayAsync(user, ticket, holdId)).ShouldBeProblemAsync(402, "INSUFFICIENT_BALANCE");
        (await _api.BalanceAsync(user)).ShouldBe(1_000);
        await (await _api.HoldAsync(rival, rivalTicket, concert.ScheduleIds[0], 30)).ShouldBeProblemAsync(409, "SEAT_UNAVAILABLE");
        (await _api.SendAsync(HttpMethod.Get, $"/api/holds/{holdId}", user)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await (await _api.ChargeAsync(user, TestCatalog.RPrice)).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await _api.PayAsync(user, ticket, holdId)).ShouldHaveStatusAsync(HttpStatusCode.Created);
        (await _api.BalanceAsync(user)).ShouldBe(1_000);
    }

    [Fact]
    public async Task A_payment_revokes_the_queue_token()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync(initialBalance: 1_000_000);
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        var holdId = await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 40);
        await (await _api.PayAsync(user, ticket, holdId)).ShouldHaveStatusAsync(HttpStatusCode.Created);

        (await _api.QueueStatusAsync(user, ticket))["status"]!.GetValue<string>().ShouldBe("EXPIRED");
        await (await _api.HoldAsync(user, ticket, concert.ScheduleIds[0], 41)).ShouldBeProblemAsync(401, "QUEUE_TOKEN_EXPIRED");
    }

    [Fact]
    public async Task Nobody_can_pay_someone_elses_hold()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var owner = await _api.CreateUserAsync();
        var thief = await _api.CreateUserAsync(initialBalance: 1_000_000);
        var ownerTicket = await _api.AdmitAsync(owner, concert.ConcertId);
        var thiefTicket = await _api.AdmitAsync(thief, concert.ConcertId);
        var holdId = await _api.HoldOkAsync(owner, ownerTicket, concert.ScheduleIds[0], 2);

        await (await _api.PayAsync(thief, thiefTicket, holdId)).ShouldBeProblemAsync(404, "HOLD_NOT_FOUND");
        await (await _api.PayAsync(thief, thiefTicket, Guid.NewGuid())).ShouldBeProblemAsync(404, "HOLD_NOT_FOUND");
        (await _api.BalanceAsync(thief)).ShouldBe(1_000_000);
    }

    [Fact]
    public async Task A_payment_with_the_same_idempotency_key_is_made_once_and_replayed()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync(initialBalance: 500_000);
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        var holdId = await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 44);

        var first = await _api.PayAsync(user, ticket, holdId, "pay-once");
        await first.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var replay = await _api.PayAsync(user, ticket, holdId, "pay-once");
        await replay.ShouldHaveStatusAsync(HttpStatusCode.Created);
        (await replay.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        (await _api.BalanceAsync(user)).ShouldBe(500_000 - TestCatalog.RPrice);
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM payments WHERE user_id = @id", new { id = user.UserId })).ShouldBe(1);
    }

    [Fact]
    public async Task Paying_without_a_queue_token_is_refused_and_debits_nothing()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync(initialBalance: 500_000);
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        var holdId = await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 45);
        await (await _api.SendAsync(HttpMethod.Post, "/api/payments", user, new { holdId })).ShouldBeProblemAsync(401, "QUEUE_TOKEN_INVALID");
        (await _api.BalanceAsync(user)).ShouldBe(500_000);
    }

    [Fact]
    public async Task One_user_paying_four_holds_at_once_with_money_for_two_gets_exactly_two_and_never_goes_below_zero()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync(initialBalance: TestCatalog.RPrice * 2 + 10);
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        var holds = new List<Guid>();
        for (var seat = 11; seat <= 14; seat++)
        {
            holds.Add(await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], seat));
        }

        var responses = await Task.WhenAll(holds.Select(h => _api.PayAsync(user, ticket, h)));
        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(2);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await refused.ShouldBeProblemAsync(402, "INSUFFICIENT_BALANCE");
        }

        (await _api.BalanceAsync(user)).ShouldBe(10);
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM reservations WHERE user_id = @id", new { id = user.UserId })).ShouldBe(2);
        // History is consistent with the balance: charges minus payments.
        (await TestCatalog.ScalarAsync<long>(system.Postgres,
            "SELECT coalesce(sum(CASE kind WHEN 'PAYMENT' THEN -amount ELSE amount END), 0) FROM balance_history WHERE user_id = @id", new { id = user.UserId }))
            .ShouldBe(10);
        // Two holds are still live (402 keeps them), so the pass is still ACTIVE: top up and pay them too.
        (await _api.QueueStatusAsync(user, ticket))["status"]!.GetValue<string>().ShouldBe("ACTIVE");
    }

    [Fact]
    public async Task Each_held_seat_can_be_paid_in_turn_and_the_last_payment_revokes_the_pass()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync(initialBalance: 1_000_000);
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        var first = await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 21);
        var second = await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 22);

        await (await _api.PayAsync(user, ticket, first)).ShouldHaveStatusAsync(HttpStatusCode.Created);
        (await _api.QueueStatusAsync(user, ticket))["status"]!.GetValue<string>().ShouldBe("ACTIVE");
        await (await _api.PayAsync(user, ticket, second)).ShouldHaveStatusAsync(HttpStatusCode.Created);
        (await _api.QueueStatusAsync(user, ticket))["status"]!.GetValue<string>().ShouldBe("EXPIRED");
    }
}
