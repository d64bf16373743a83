using System.Net;
using Ticketing.Client;
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

        var schedules = (await _api.As(user, ticket).GetSchedulesAsync(concert.ConcertId)).ShouldReturn();
        var scheduleId = schedules[0].ScheduleId;
        var seats = (await _api.As(user, ticket).GetSeatsAsync(scheduleId)).ShouldReturn();
        seats[7].Status.ShouldBe("AVAILABLE");
        var holdId = await _api.HoldOkAsync(user, ticket, scheduleId, 8);
        (await _api.ChargeAsync(user, 200_000)).ShouldHaveStatus(HttpStatusCode.OK);

        var payment = (await _api.PayAsync(user, ticket, holdId)).ShouldReturn(HttpStatusCode.Created);
        payment.Amount.ShouldBe(TestCatalog.VipPrice);
        payment.Balance.ShouldBe(200_000 - TestCatalog.VipPrice);

        var reservations = (await _api.As(user).GetReservationsAsync()).ShouldReturn();
        reservations.Count.ShouldBe(1);
        reservations[0].ReservationId.ShouldBe(payment.ReservationId);
        reservations[0].SeatNumber.ShouldBe(8);
        reservations[0].Status.ShouldBe("CONFIRMED");
        reservations[0].Grade.ShouldBe("VIP");

        var history = (await _api.As(user).GetHistoryAsync()).ShouldReturn();
        history[0].Kind.ShouldBe("PAYMENT");
        history[0].Amount.ShouldBe(TestCatalog.VipPrice);
        history[0].BalanceAfter.ShouldBe(50_000);
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

        (await _api.PayAsync(user, ticket, holdId)).ShouldBeProblem(402, "INSUFFICIENT_BALANCE");
        (await _api.BalanceAsync(user)).ShouldBe(1_000);
        (await _api.HoldAsync(rival, rivalTicket, concert.ScheduleIds[0], 30)).ShouldBeProblem(409, "SEAT_UNAVAILABLE");
        (await _api.As(user).GetHoldAsync(holdId)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await _api.ChargeAsync(user, TestCatalog.RPrice)).ShouldHaveStatus(HttpStatusCode.OK);
        (await _api.PayAsync(user, ticket, holdId)).ShouldHaveStatus(HttpStatusCode.Created);
        (await _api.BalanceAsync(user)).ShouldBe(1_000);
    }

    [Fact]
    public async Task A_payment_revokes_the_queue_token()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync(initialBalance: 1_000_000);
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        var holdId = await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 40);
        (await _api.PayAsync(user, ticket, holdId)).ShouldHaveStatus(HttpStatusCode.Created);

        (await _api.QueueStatusAsync(user, ticket)).Status.ShouldBe("EXPIRED");
        (await _api.HoldAsync(user, ticket, concert.ScheduleIds[0], 41)).ShouldBeProblem(401, "QUEUE_TOKEN_EXPIRED");
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

        (await _api.PayAsync(thief, thiefTicket, holdId)).ShouldBeProblem(404, "HOLD_NOT_FOUND");
        (await _api.PayAsync(thief, thiefTicket, Guid.NewGuid())).ShouldBeProblem(404, "HOLD_NOT_FOUND");
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
        first.ShouldHaveStatus(HttpStatusCode.Created);
        var replay = await _api.PayAsync(user, ticket, holdId, "pay-once");
        replay.ShouldHaveStatus(HttpStatusCode.Created);
        replay.Body().ShouldBe(first.Body());
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
        (await _api.As(user).PayAsync(new PaymentRequest(holdId))).ShouldBeProblem(401, "QUEUE_TOKEN_INVALID");
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
            refused.ShouldBeProblem(402, "INSUFFICIENT_BALANCE");
        }

        (await _api.BalanceAsync(user)).ShouldBe(10);
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM reservations WHERE user_id = @id", new { id = user.UserId })).ShouldBe(2);
        // History is consistent with the balance: charges minus payments.
        (await TestCatalog.ScalarAsync<long>(system.Postgres,
            "SELECT coalesce(sum(CASE kind WHEN 'PAYMENT' THEN -amount ELSE amount END), 0) FROM balance_history WHERE user_id = @id", new { id = user.UserId }))
            .ShouldBe(10);
        // Two holds are still live (402 keeps them), so the pass is still ACTIVE: top up and pay them too.
        (await _api.QueueStatusAsync(user, ticket)).Status.ShouldBe("ACTIVE");
    }

    [Fact]
    public async Task Each_held_seat_can_be_paid_in_turn_and_the_last_payment_revokes_the_pass()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync(initialBalance: 1_000_000);
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        var first = await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 21);
        var second = await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 22);

        (await _api.PayAsync(user, ticket, first)).ShouldHaveStatus(HttpStatusCode.Created);
        (await _api.QueueStatusAsync(user, ticket)).Status.ShouldBe("ACTIVE");
        (await _api.PayAsync(user, ticket, second)).ShouldHaveStatus(HttpStatusCode.Created);
        (await _api.QueueStatusAsync(user, ticket)).Status.ShouldBe("EXPIRED");
    }
}
