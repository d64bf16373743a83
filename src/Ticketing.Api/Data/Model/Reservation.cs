namespace Ticketing.Api.Data.Model;

/// <summary>
/// A row of <c>reservations</c>: a sold seat, or one sold and given back. The unique index <c>reservations_one_confirmed_per_seat</c>
/// on (schedule, seat) <c>WHERE status = 'CONFIRMED'</c> is the final arbiter: a seat has at most one CONFIRMED reservation.
/// </summary>
public sealed class Reservation
{
    /// <summary>Status of a paid reservation (check <c>reservations_status_check</c>).</summary>
    public const string Confirmed = "CONFIRMED";

    /// <summary>Status of a reservation cancelled by its buyer or with its show; its price was refunded (seed 002: reservation status <i>cancel</i>).</summary>
    public const string Cancelled = "CANCELLED";

    /// <summary>Every value of <see cref="Status"/>.</summary>
    public static readonly string[] Statuses = [Confirmed, Cancelled];

    /// <summary>Primary key.</summary>
    public Guid Id { get; set; }

    /// <summary>The buyer (foreign key to <c>users</c>).</summary>
    public Guid UserId { get; set; }

    /// <summary>With <see cref="SeatNumber"/>, the seat (foreign key to <c>seats</c>).</summary>
    public Guid ScheduleId { get; set; }

    /// <summary>1..50.</summary>
    public int SeatNumber { get; set; }

    /// <summary>Points paid, &gt; 0.</summary>
    public long Price { get; set; }

    /// <summary><see cref="Confirmed"/> (column default) or <see cref="Cancelled"/>; it never goes back.</summary>
    public string Status { get; set; } = Confirmed;

    /// <summary>When it was paid (UTC).</summary>
    public DateTimeOffset PaidAt { get; set; }

    /// <summary>When it was cancelled and refunded (UTC); null while CONFIRMED (check <c>reservations_cancelled_at_check</c>).</summary>
    public DateTimeOffset? CancelledAt { get; set; }

    /// <summary>
    /// The outbox marker of a cancellation: when Redis's sold set of the schedule learned that the seat is free again (UTC). Null on a
    /// cancelled reservation until then; <c>SeatReleases</c> delivers the releases a crash left undelivered
    /// (partial index <c>reservations_seat_release_pending</c>).
    /// </summary>
    public DateTimeOffset? SeatReleasedAt { get; set; }

    /// <summary>Navigation to the seat.</summary>
    public Seat Seat { get; set; } = null!;
}

/// <summary>A row of <c>payments</c>: one per reservation and one per hold (both UNIQUE).</summary>
public sealed class Payment
{
    /// <summary>Primary key.</summary>
    public Guid Id { get; set; }

    /// <summary>The payer (foreign key to <c>users</c>).</summary>
    public Guid UserId { get; set; }

    /// <summary>The reservation it paid for (foreign key, UNIQUE <c>payments_reservation_id_key</c>).</summary>
    public Guid ReservationId { get; set; }

    /// <summary>The Redis hold it paid (UNIQUE <c>payments_hold_id_key</c>: a hold is paid at most once).</summary>
    public Guid HoldId { get; set; }

    /// <summary>Points debited, &gt; 0.</summary>
    public long Amount { get; set; }

    /// <summary>When (UTC).</summary>
    public DateTimeOffset PaidAt { get; set; }
}
