using Ticketing.Client;
using Ticketing.Web.Pages.Organiser;
using Ticketing.Web.Services;

namespace Ticketing.UnitTests.Web;

public class CancellationAndScheduleFormTests
{
    private static readonly DateTimeOffset Show = new(2026, 12, 24, 19, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_buyer_is_asked_with_the_seat_the_concert_the_show_time_and_the_refund_in_points()
    {
        var reservation = new Reservation(Guid.NewGuid(), "Winter Gala", Show, 12, "R", 110_000, ApiContract.ReservationStatus.Confirmed, Show.AddDays(-10));
        CancellationText.CancelSeatQuestion(reservation).ShouldBe("Cancel seat 12 of Winter Gala on Thu 24 Dec 2026, 19:00 UTC, and get 110,000 points back?");
    }

    [Theory]
    [InlineData(0, 0L, "Nobody has a confirmed reservation for this show, so nothing is refunded.")]
    [InlineData(1, 150_000L, "This cancels 1 reservation and refunds 150,000 points.")]
    [InlineData(3, 420_000L, "This cancels 3 reservations and refunds 420,000 points.")]
    public void The_organiser_is_warned_how_many_reservations_a_cancel_refunds_and_how_many_points(int reservations, long points, string words) =>
        CancellationText.CancelShowWarning(reservations, points).ShouldBe(words);

    [Fact]
    public void A_show_cancel_reports_what_this_call_refunded() =>
        CancellationText.ShowCancelled(new ScheduleCancelled(Guid.NewGuid(), 2, 260_000)).ShouldBe("Show cancelled: 2 reservations cancelled and 260,000 points refunded.");

    [Theory]
    [InlineData(false, -2, ScheduleState.NotYetOpen)]
    [InlineData(false, 0, ScheduleState.OnSale)]
    [InlineData(false, 5, ScheduleState.OnSale)]
    [InlineData(false, 10, ScheduleState.Closed)]
    [InlineData(true, 5, ScheduleState.Cancelled)]
    public void A_show_is_on_sale_from_booking_open_until_booking_close_unless_cancelled(bool cancelled, int hoursAfterOpening, ScheduleState state)
    {
        var opens = Show.AddDays(-1);
        var schedule = new AdminSchedule(Guid.NewGuid(), Show, opens, opens.AddHours(10), 50, cancelled);
        ScheduleStates.Of(schedule, opens.AddHours(hoursAfterOpening)).ShouldBe(state);
    }

    [Fact]
    public void The_new_show_form_starts_with_three_bands_covering_seats_1_to_50_and_a_window_open_from_this_minute()
    {
        var now = new DateTimeOffset(2026, 12, 5, 14, 3, 27, TimeSpan.Zero);
        var form = ScheduleForm.Default(now);
        var request = form.ToRequest();

        request.Seats.ShouldBe([new SeatBand(1, 10, "VIP", 150_000), new SeatBand(11, 30, "R", 110_000), new SeatBand(31, 50, "S", 80_000)]);
        request.BookingOpensAt.ShouldBe(new DateTimeOffset(2026, 12, 5, 14, 3, 0, TimeSpan.Zero));
        request.StartsAt.ShouldBe(new DateTimeOffset(2027, 1, 4, 19, 0, 0, TimeSpan.Zero));
        request.BookingClosesAt.ShouldBe(request.StartsAt.AddHours(-1));
    }

    [Fact]
    public void Entered_times_are_read_as_UTC_whatever_the_servers_zone() =>
        ScheduleForm.AsUtc(new DateTime(2026, 12, 24, 19, 0, 0, DateTimeKind.Unspecified)).ShouldBe(Show);

    [Fact]
    public void A_band_is_added_from_the_seat_after_the_last_one_and_the_last_band_cannot_be_removed()
    {
        var form = new ScheduleForm { Bands = [new SeatBandRow { From = 1, To = 20, Grade = "A", Price = 1 }] };
        form.AddBand();
        form.Bands[1].From.ShouldBe(21);
        form.Bands[1].To.ShouldBe(50);

        form.RemoveBand(0);
        form.RemoveBand(0);
        form.Bands.Count.ShouldBe(1);
        form.Bands[0].From.ShouldBe(21);
    }
}
