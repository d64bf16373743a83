using System.Data.Common;
using Dapper;
using Ticketing.Api.Data.Model;

namespace Ticketing.Api.Reservations;

/// <summary>What one cancellation did: the reservation, the seat it gave back and the refund.</summary>
/// <param name="ReservationId">The reservation, now CANCELLED.</param>
/// <param name="UserId">Its buyer, who got the points back.</param>
/// <param name="ScheduleId">With <paramref name="SeatNumber"/>, the seat that is free again.</param>
/// <param name="SeatNumber">1..50.</param>
/// <param name="Refund">Points given back: the full price paid.</param>
/// <param name="Balance">The buyer's balance right after the refund, in points.</param>
public sealed record Cancellation(Guid ReservationId, Guid UserId, Guid ScheduleId, int SeatNumber, long Refund, long Balance);

/// <summary>
/// Cancels a CONFIRMED reservation and refunds it, in one Postgres statement (API.md "Reservations", seed 002's status <i>cancel</i>):
/// the status change, the credit of the full price and the <c>REFUND</c> history row commit together or not at all. Used by the
/// buyer's cancel and by the organiser's cancel of a whole show.
/// <para>Exactly once: the statement changes the row only while it is CONFIRMED, so of cancels racing for one reservation the first
/// to lock the row wins and the others, re-reading it after that commit (READ COMMITTED), find it CANCELLED and change nothing; the
/// unique index <c>balance_history_one_refund_per_payment</c> would refuse a second refund of one payment anyway. The seat is free
/// in Postgres from the commit (<c>reservations_one_confirmed_per_seat</c> counts CONFIRMED rows only); Redis learns it from
/// <see cref="SeatReleases"/>.</para>
/// </summary>
public static class Refunds
{
    // The REFUND row names the payment it gives back (one per reservation), so balance history tells what was refunded.
    private const string CancelSql = """
        WITH cancelled AS (
            UPDATE reservations r SET status = 'CANCELLED', cancelled_at = @Now
            WHERE r.id = @ReservationId AND r.status = 'CONFIRMED'
              AND (@BuyerId::uuid IS NULL OR r.user_id = @BuyerId::uuid)
              AND (NOT @RequireOpenWindow OR EXISTS (SELECT 1 FROM schedules s WHERE s.id = r.schedule_id AND s.booking_closes_at > @Now))
            RETURNING r.id, r.user_id, r.schedule_id, r.seat_number, r.price),
        credited AS (
            UPDATE users u SET balance = u.balance + c.price FROM cancelled c WHERE u.id = c.user_id RETURNING u.balance),
        history AS (
            INSERT INTO balance_history (user_id, kind, amount, balance_after, payment_id, at)
            SELECT c.user_id, 'REFUND', c.price, (SELECT balance FROM credited),
                   (SELECT p.id FROM payments p WHERE p.reservation_id = c.id), @Now
            FROM cancelled c)
        SELECT c.id AS ReservationId, c.user_id AS UserId, c.schedule_id AS ScheduleId, c.seat_number AS SeatNumber,
               c.price AS Refund, (SELECT balance FROM credited) AS Balance
        FROM cancelled c
        """;

    /// <summary>
    /// Cancels and refunds reservation <paramref name="reservationId"/> inside <paramref name="transaction"/> if it is CONFIRMED and,
    /// when given, belongs to <paramref name="buyerId"/> and (with <paramref name="requireOpenWindow"/>) its schedule's booking window
    /// has not closed at <paramref name="now"/>.
    /// </summary>
    /// <returns>What was done; null when nothing was (see <see cref="ReasonAsync"/> for why).</returns>
    /// <exception cref="Npgsql.PostgresException"><c>22003</c> when the buyer's balance would pass <see cref="long.MaxValue"/> (nothing is written).</exception>
    public static Task<Cancellation?> CancelAsync(DbTransaction transaction, Guid reservationId, Guid? buyerId, DateTimeOffset now, bool requireOpenWindow) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<Cancellation>(CancelSql,
            new { ReservationId = reservationId, BuyerId = buyerId, Now = now, RequireOpenWindow = requireOpenWindow }, transaction);

    /// <summary>Why <see cref="CancelAsync"/> did nothing for the buyer: the reservation's owner, status and booking-window end; null when it does not exist.</summary>
    public static Task<ReservationState?> ReasonAsync(DbConnection connection, Guid reservationId) =>
        connection.QuerySingleOrDefaultAsync<ReservationState>("""
            SELECT r.user_id AS UserId, r.status AS Status, s.booking_closes_at AS BookingClosesAt
            FROM reservations r JOIN schedules s ON s.id = r.schedule_id WHERE r.id = @reservationId
            """, new { reservationId });
}

/// <summary>A reservation's owner, status and its schedule's booking-window end, as a refused cancel explains itself with.</summary>
public sealed class ReservationState
{
    /// <summary>The buyer.</summary>
    public Guid UserId { get; init; }

    /// <summary><see cref="Reservation.Confirmed"/> or <see cref="Reservation.Cancelled"/>.</summary>
    public string Status { get; init; } = "";

    /// <summary>Until when (UTC, exclusive) the buyer may cancel.</summary>
    public DateTimeOffset BookingClosesAt { get; init; }
}
