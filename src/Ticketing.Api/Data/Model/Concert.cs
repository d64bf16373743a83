namespace Ticketing.Api.Data.Model;

/// <summary>A row of <c>concerts</c>.</summary>
public sealed class Concert
{
    /// <summary>Primary key.</summary>
    public Guid Id { get; set; }

    /// <summary>Shown in the catalog and on reservations.</summary>
    public string Title { get; set; } = "";

    /// <summary>Who plays.</summary>
    public string Performer { get; set; } = "";

    /// <summary>Where.</summary>
    public string Venue { get; set; } = "";

    /// <summary>
    /// The organiser who created it (foreign key to <c>users</c>, index <c>concerts_organiser</c>); only they see it on <c>/api/admin</c>.
    /// Null for concerts made outside the organiser routes (the development seeder, SQL).
    /// </summary>
    public Guid? OrganiserId { get; set; }
}

/// <summary>A row of <c>schedules</c>: one show of a concert and its booking window.</summary>
public sealed class Schedule
{
    /// <summary>Primary key.</summary>
    public Guid Id { get; set; }

    /// <summary>The concert (foreign key to <c>concerts</c>, index <c>schedules_concert</c>).</summary>
    public Guid ConcertId { get; set; }

    /// <summary>Show time (UTC).</summary>
    public DateTimeOffset StartsAt { get; set; }

    /// <summary>Booking window start (UTC); before <see cref="BookingClosesAt"/> (check <c>schedules_window_ordered</c>).</summary>
    public DateTimeOffset BookingOpensAt { get; set; }

    /// <summary>Booking window end (UTC, exclusive); no later than <see cref="StartsAt"/>.</summary>
    public DateTimeOffset BookingClosesAt { get; set; }

    /// <summary>
    /// When its organiser cancelled the show (UTC); null while it is on. A cancelled schedule is off sale and its reservations are
    /// cancelled and refunded (API.md "Organiser").
    /// </summary>
    public DateTimeOffset? CancelledAt { get; set; }

    /// <summary>Navigation to the concert.</summary>
    public Concert Concert { get; set; } = null!;

    /// <summary>Navigation to the schedule's seats (50 in the catalog).</summary>
    public List<Seat> Seats { get; set; } = [];
}

/// <summary>A row of <c>seats</c>; primary key (schedule, seat number).</summary>
public sealed class Seat
{
    /// <summary>The schedule (foreign key to <c>schedules</c>).</summary>
    public Guid ScheduleId { get; set; }

    /// <summary>1..50 (check <c>seats_number_range</c>; seed 002 §2).</summary>
    public int SeatNumber { get; set; }

    /// <summary>Seat grade, e.g. <c>VIP</c>.</summary>
    public string Grade { get; set; } = "";

    /// <summary>Points, &gt; 0 (check <c>seats_price_positive</c>).</summary>
    public long Price { get; set; }

    /// <summary>Navigation to the schedule.</summary>
    public Schedule Schedule { get; set; } = null!;

    /// <summary>Every reservation of this seat: at most one CONFIRMED (index <c>reservations_one_confirmed_per_seat</c>), any number CANCELLED.</summary>
    public List<Reservation> Reservations { get; set; } = [];
}
