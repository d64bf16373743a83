using System.Globalization;
using Ticketing.Client;

namespace Ticketing.Web.Services;

/// <summary>
/// What a cancellation will do and did, in words: a buyer's seat (<c>POST /api/reservations/{id}/cancel</c>, the full price back) and
/// an organiser's show (<c>POST /api/admin/schedules/{id}/cancel</c>, every confirmed reservation refunded). Points are whole numbers
/// with thousands separators (<c>110,000</c>); times are UTC.
/// </summary>
public static class CancellationText
{
    /// <summary>Whole <paramref name="points"/> with thousands separators, invariant: <c>420,000</c>.</summary>
    public static string Points(long points) => points.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A show time as <c>Thu 24 Dec 2026, 19:00 UTC</c>.</summary>
    public static string ShowTime(DateTimeOffset startsAt) =>
        startsAt.UtcDateTime.ToString("ddd d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>"1 reservation", "3 reservations" (0 included).</summary>
    public static string Reservations(int count) => count == 1 ? "1 reservation" : $"{count} reservations";

    /// <summary>The question before a buyer cancels: "Cancel seat 12 of Title on …, and get 110,000 points back?" (the refund is the price paid).</summary>
    public static string CancelSeatQuestion(Reservation reservation) =>
        $"Cancel seat {reservation.SeatNumber} of {reservation.ConcertTitle} on {ShowTime(reservation.StartsAt)}, and get {Points(reservation.Price)} points back?";

    /// <summary>What a buyer's cancellation did: the seat, the refund and the balance after it.</summary>
    public static string SeatCancelled(Reservation reservation, ReservationCancelled cancelled) =>
        $"Seat {reservation.SeatNumber} of {reservation.ConcertTitle} is cancelled: {Points(cancelled.Refund)} points are back on your balance, which is now {Points(cancelled.Balance)} points.";

    /// <summary>
    /// The warning before an organiser cancels a show, from its sales: <paramref name="confirmedReservations"/> (the seats sold) and
    /// <paramref name="points"/> (their revenue) are what the cancel refunds, unless a payment lands in between.
    /// </summary>
    public static string CancelShowWarning(int confirmedReservations, long points) => confirmedReservations == 0
        ? "Nobody has a confirmed reservation for this show, so nothing is refunded."
        : $"This cancels {Reservations(confirmedReservations)} and refunds {Points(points)} points.";

    /// <summary>What the show's cancel did (nothing more on a repeat).</summary>
    public static string ShowCancelled(ScheduleCancelled cancelled) =>
        $"Show cancelled: {Reservations(cancelled.ReservationsCancelled)} cancelled and {Points(cancelled.PointsRefunded)} points refunded.";
}
