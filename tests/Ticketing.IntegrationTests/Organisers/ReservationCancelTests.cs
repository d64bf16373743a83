using System.Net;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Organisers;

/// <summary>A buyer cancels a reservation (API.md "Reservations"; issue 17 item 3): the refund, the seat back on sale, the refusals.</summary>
public class ReservationCancelTests(DefaultSystem system)
{
    private readonly ApiDriver _api = system.Driver;

    [Fact]
    public async Task Cancelling_refunds_the_full_price_and_the_seat_is_on_sale_again_at_once()
    {
        var organiser = await _api.OrganiserAsync("organiser-a");
        var show = await Shows.CreateAsync(_api, organiser);
        var (buyer, payment) = await Shows.BuyAsync(_api, show, 12);
        (await _api.BalanceAsync(buyer)).ShouldBe(1_000_000 - 110_000);

        var next = await _api.CreateUserAsync(initialBalance: 500_000);
        var nextTicket = await _api.AdmitAsync(next, show.ConcertId);
        (await _api.HoldAsync(next, nextTicket, show.ScheduleId, 12)).ShouldBeProblem(409, "SEAT_UNAVAILABLE");

        var cancelled = (await _api.As(buyer).CancelReservationAsync(payment.ReservationId)).ShouldReturn();
        cancelled.ShouldBe(new ReservationCancelled(payment.ReservationId, "CANCELLED", 110_000, 1_000_000));
        (await _api.BalanceAsync(buyer)).ShouldBe(1_000_000);
        var history = (await _api.As(buyer).GetHistoryAsync()).ShouldReturn();
        (history[0].Kind, history[0].Amount, history[0].BalanceAfter).ShouldBe(("REFUND", 110_000L, 1_000_000L));
        var reservation = (await _api.As(buyer).GetReservationsAsync()).ShouldReturn().Single();
        (reservation.Status, reservation.Refund).ShouldBe(("CANCELLED", (long?)110_000));
        reservation.CancelledAt.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(reservation.PaidAt);

        // At once: the seat map shows it free and the next person holds and buys it.
        (await _api.As(next, nextTicket).GetSeatsAsync(show.ScheduleId)).ShouldReturn().Single(s => s.SeatNumber == 12).Status.ShouldBe("AVAILABLE");
        var holdId = await _api.HoldOkAsync(next, nextTicket, show.ScheduleId, 12);
        (await _api.PayAsync(next, nextTicket, holdId)).ShouldReturn(HttpStatusCode.Created).Amount.ShouldBe(110_000);

        var sales = (await _api.As(organiser).GetSalesAsync(show.ScheduleId)).ShouldReturn();
        sales.ShouldBe(new ScheduleSales(show.ScheduleId, 50, 1, 0, 49, 1, 110_000, 110_000));
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM reservations WHERE schedule_id = @id AND seat_number = 12",
            new { id = show.ScheduleId })).ShouldBe(2);
    }

    [Fact]
    public async Task A_cancel_of_someone_elses_an_unknown_a_cancelled_or_a_closed_reservation_is_refused_and_moves_no_points()
    {
        var organiser = await _api.OrganiserAsync("organiser-b");
        var show = await Shows.CreateAsync(_api, organiser);
        var (buyer, payment) = await Shows.BuyAsync(_api, show, 3);
        var (closedBuyer, closedPayment) = await Shows.BuyAsync(_api, show, 4);
        var stranger = await _api.CreateUserAsync();

        (await _api.As(stranger).CancelReservationAsync(payment.ReservationId)).ShouldBeProblem(404, "RESERVATION_NOT_FOUND");
        (await _api.As(buyer).CancelReservationAsync(Guid.NewGuid())).ShouldBeProblem(404, "RESERVATION_NOT_FOUND");
        (await _api.Anonymous.CancelReservationAsync(payment.ReservationId)).ShouldBeProblem(401, "UNAUTHORIZED");
        (await _api.SendAsync(HttpMethod.Post, "/api/reservations/not-a-guid/cancel", buyer)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _api.As(buyer).CancelReservationAsync(payment.ReservationId, new string('k', 256))).ShouldBeProblem(400, "INVALID_IDEMPOTENCY_KEY");
        (await _api.BalanceAsync(buyer)).ShouldBe(1_000_000 - 150_000);

        (await _api.As(buyer).CancelReservationAsync(payment.ReservationId)).ShouldReturn();
        (await _api.As(buyer).CancelReservationAsync(payment.ReservationId)).ShouldBeProblem(409, "RESERVATION_ALREADY_CANCELLED");
        (await _api.BalanceAsync(buyer)).ShouldBe(1_000_000);

        // The booking window closed: no more cancellations.
        var now = DateTimeOffset.UtcNow;
        (await _api.As(organiser).ChangeBookingWindowAsync(show.ScheduleId, new BookingWindowChange(now.AddHours(-2), now.AddHours(-1)))).ShouldReturn();
        (await _api.As(closedBuyer).CancelReservationAsync(closedPayment.ReservationId)).ShouldBeProblem(409, "CANCELLATION_CLOSED");
        (await _api.BalanceAsync(closedBuyer)).ShouldBe(1_000_000 - 150_000);
        (await _api.As(closedBuyer).GetReservationsAsync()).ShouldReturn().Single().Status.ShouldBe("CONFIRMED");
    }

    [Fact]
    public async Task A_repeated_idempotency_key_gives_the_first_answer_and_refunds_once()
    {
        var organiser = await _api.OrganiserAsync("organiser-a");
        var show = await Shows.CreateAsync(_api, organiser);
        var (buyer, payment) = await Shows.BuyAsync(_api, show, 45);
        var (_, other) = await Shows.BuyAsync(_api, show, 46);

        var first = await _api.As(buyer).CancelReservationAsync(payment.ReservationId, "cancel-once");
        first.ShouldReturn().Refund.ShouldBe(80_000);
        var again = await _api.As(buyer).CancelReservationAsync(payment.ReservationId, "cancel-once");
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        again.Body().ShouldBe(first.Body());
        (await _api.As(buyer).CancelReservationAsync(other.ReservationId, "cancel-once")).ShouldBeProblem(422, "IDEMPOTENCY_KEY_REUSED");
        (await _api.BalanceAsync(buyer)).ShouldBe(1_000_000);
        (await _api.As(buyer).GetHistoryAsync()).ShouldReturn().Count(h => h.Kind == "REFUND").ShouldBe(1);
    }
}
