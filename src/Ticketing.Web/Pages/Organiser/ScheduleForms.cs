using System.ComponentModel.DataAnnotations;
using Ticketing.Client;

namespace Ticketing.Web.Pages.Organiser;

/// <summary>
/// The "add a show" form: show time and booking window as UTC wall-clock times (the page says so; <c>datetime-local</c> inputs carry
/// no zone), and the seat map as bands of seats. Field rules mirror the Api's (seats 1–50, grade 1–16 characters, price
/// 1–10,000,000 points); whether the bands cover seats 1–50 exactly once, and the window's order, are the Api's to judge
/// (400 <c>INVALID_SEAT_MAP</c>, <c>INVALID_BOOKING_WINDOW</c>).
/// </summary>
public sealed class ScheduleForm
{
    /// <summary>At most one band per seat.</summary>
    public const int MaxBands = 50;

    /// <summary>When the show starts (UTC).</summary>
    [Required(ErrorMessage = "Enter the show time.")]
    public DateTime? StartsAt { get; set; }

    /// <summary>When booking opens (UTC).</summary>
    [Required(ErrorMessage = "Enter when booking opens.")]
    public DateTime? BookingOpensAt { get; set; }

    /// <summary>When booking closes (UTC); cancelling a reservation is possible until then.</summary>
    [Required(ErrorMessage = "Enter when booking closes.")]
    public DateTime? BookingClosesAt { get; set; }

    /// <summary>The seat map, one row per band.</summary>
    public List<SeatBandRow> Bands { get; set; } = [];

    /// <summary>
    /// The form as first shown at <paramref name="now"/>: the show 30 days on at 19:00 UTC, booking open from this minute until an hour
    /// before the show, and three bands — VIP 1–10 at 150,000, R 11–30 at 110,000, S 31–50 at 80,000 points.
    /// </summary>
    public static ScheduleForm Default(DateTimeOffset now)
    {
        var minute = new DateTime(now.UtcDateTime.Ticks - now.UtcDateTime.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var startsAt = minute.Date.AddDays(30).AddHours(19);
        return new ScheduleForm
        {
            StartsAt = startsAt,
            BookingOpensAt = minute,
            BookingClosesAt = startsAt.AddHours(-1),
            Bands =
            [
                new SeatBandRow { From = 1, To = 10, Grade = "VIP", Price = 150_000 },
                new SeatBandRow { From = 11, To = 30, Grade = "R", Price = 110_000 },
                new SeatBandRow { From = 31, To = 50, Grade = "S", Price = 80_000 },
            ],
        };
    }

    /// <summary>Adds an empty band after the last one, from the seat after it to seat 50 (no more than <see cref="MaxBands"/>).</summary>
    public void AddBand()
    {
        if (Bands.Count < MaxBands)
        {
            var from = Math.Min((Bands.LastOrDefault()?.To ?? 0) + 1, 50);
            Bands.Add(new SeatBandRow { From = from, To = 50 });
        }
    }

    /// <summary>Removes band <paramref name="index"/> (0-based) unless it is the only one or does not exist.</summary>
    public void RemoveBand(int index)
    {
        if (Bands.Count > 1 && index >= 0 && index < Bands.Count)
        {
            Bands.RemoveAt(index);
        }
    }

    /// <summary>The Api's body; call only on a valid form (every field present).</summary>
    public NewSchedule ToRequest() => new(
        AsUtc(StartsAt!.Value),
        AsUtc(BookingOpensAt!.Value),
        AsUtc(BookingClosesAt!.Value),
        [.. Bands.Select(b => new SeatBand(b.From!.Value, b.To!.Value, b.Grade.Trim(), b.Price!.Value))]);

    /// <summary>A wall-clock time entered as UTC (an input's value has no zone; the browser's own zone plays no part).</summary>
    public static DateTimeOffset AsUtc(DateTime wallClock) => new(DateTime.SpecifyKind(wallClock, DateTimeKind.Utc));
}

/// <summary>One band of the seat map being edited: seats <see cref="From"/>..<see cref="To"/> of one grade at one price.</summary>
public sealed class SeatBandRow
{
    /// <summary>First seat, 1–50.</summary>
    [Required(ErrorMessage = "Enter the first seat."), Range(1, 50, ErrorMessage = "Seats are 1 to 50.")]
    public int? From { get; set; }

    /// <summary>Last seat (inclusive), 1–50.</summary>
    [Required(ErrorMessage = "Enter the last seat."), Range(1, 50, ErrorMessage = "Seats are 1 to 50.")]
    public int? To { get; set; }

    /// <summary>Grade, 1–16 characters (e.g. VIP).</summary>
    [Required(ErrorMessage = "Enter a grade."), StringLength(16, ErrorMessage = "Use at most 16 characters.")]
    public string Grade { get; set; } = "";

    /// <summary>Price per seat in points, 1–10,000,000.</summary>
    [Required(ErrorMessage = "Enter a price."), Range(typeof(long), "1", "10000000", ErrorMessage = "Prices are 1 to 10,000,000 points.")]
    public long? Price { get; set; }
}

/// <summary>The "change the booking window" form of one show (UTC wall-clock times).</summary>
public sealed class BookingWindowForm
{
    /// <summary>When booking opens (UTC).</summary>
    [Required(ErrorMessage = "Enter when booking opens.")]
    public DateTime? OpensAt { get; set; }

    /// <summary>When booking closes (UTC), no later than the show.</summary>
    [Required(ErrorMessage = "Enter when booking closes.")]
    public DateTime? ClosesAt { get; set; }

    /// <summary>The form filled with <paramref name="show"/>'s current window.</summary>
    public static BookingWindowForm Of(AdminSchedule show) =>
        new() { OpensAt = show.BookingOpensAt.UtcDateTime, ClosesAt = show.BookingClosesAt.UtcDateTime };

    /// <summary>The Api's body; call only on a valid form.</summary>
    public BookingWindowChange ToRequest() => new(ScheduleForm.AsUtc(OpensAt!.Value), ScheduleForm.AsUtc(ClosesAt!.Value));
}
