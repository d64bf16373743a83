namespace Ticketing.Api.Data.Model;

/// <summary>A row of <c>reservations</c>: a sold seat. UNIQUE(schedule, seat) (<c>reservations_one_per_seat</c>) is the final arbiter.</summary>
public sealed class Reservation
{
    /// <summary>Reservation status values (check <c>reservations_status_check</c>).</summary>
    public const string Confirmed = "CONFIRMED";

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

    /// <summary>Always <see cref="Confirmed"/> (column default).</summary>
    public string Status { get; set; } = Confirmed;

    /// <summary>When it was paid (UTC).</summary>
    public DateTimeOffset PaidAt { get; set; }

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
