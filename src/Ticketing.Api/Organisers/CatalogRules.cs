using Ticketing.Api.Catalog;

namespace Ticketing.Api.Organisers;

/// <summary>A band of seats of one grade and price, as an organiser sends it.</summary>
/// <param name="From">First seat, 1..50.</param>
/// <param name="To">Last seat (inclusive), <paramref name="From"/>..50.</param>
/// <param name="Grade">1–<see cref="CatalogRules.MaxGradeLength"/> characters, no control characters.</param>
/// <param name="Price">Points per seat, 1..<see cref="CatalogRules.MaxPrice"/> (10,000,000).</param>
public sealed record SeatBand(int? From, int? To, string? Grade, long? Price);

/// <summary>
/// The organiser's input rules (API.md "Organiser"), kept apart from the handlers so they can be tested on their own. Each check
/// answers null when the input is acceptable, or the reason in words for the problem's <c>detail</c>.
/// </summary>
public static class CatalogRules
{
    /// <summary>Longest title, performer or venue, in characters.</summary>
    public const int MaxTextLength = 200;

    /// <summary>Longest seat grade, in characters.</summary>
    public const int MaxGradeLength = 16;

    /// <summary>Highest seat price, in points (the per-charge maximum's default, so one charge can always pay one seat).</summary>
    public const long MaxPrice = 10_000_000;

    /// <summary>
    /// Checks a concert text field (<paramref name="field"/> names it in the reason): present, 1–<see cref="MaxTextLength"/>
    /// characters once trimmed, no control characters (Postgres refuses NUL, and none belongs in a title).
    /// </summary>
    public static string? CheckText(string field, string? value) => value switch
    {
        null => $"{field} is required.",
        _ when value.Trim().Length is 0 or > MaxTextLength => $"{field} must be 1 to {MaxTextLength} characters.",
        _ when value.Any(char.IsControl) => $"{field} must not contain control characters.",
        _ => null,
    };

    /// <summary>
    /// Checks a booking window against its show time: all three present and <c>bookingOpensAt &lt; bookingClosesAt ≤ startsAt</c>
    /// (the check constraint <c>schedules_window_ordered</c> holds the same rule in Postgres).
    /// </summary>
    public static string? CheckWindow(DateTimeOffset? startsAt, DateTimeOffset? opensAt, DateTimeOffset? closesAt)
    {
        if (startsAt is null || opensAt is null || closesAt is null)
        {
            return "startsAt, bookingOpensAt and bookingClosesAt are required.";
        }

        return opensAt < closesAt && closesAt <= startsAt ? null : "Booking must open before it closes, and close no later than the show starts.";
    }

    /// <summary>
    /// Checks a seat map (seed 002: seats 1..50): bands that cover every seat from 1 to <see cref="CatalogEndpoints.SeatsPerSchedule"/>
    /// exactly once, each with a grade of 1–<see cref="MaxGradeLength"/> characters and a price of 1..<see cref="MaxPrice"/> points.
    /// </summary>
    public static string? CheckSeatMap(IReadOnlyList<SeatBand?>? bands)
    {
        const int seats = CatalogEndpoints.SeatsPerSchedule;
        if (bands is null || bands.Count == 0)
        {
            return $"seats must list bands covering seats 1 to {seats}.";
        }

        var covered = new bool[seats + 1];
        foreach (var band in bands)
        {
            if (band is not { From: { } from, To: { } to, Grade: { } grade, Price: { } price })
            {
                return "Every band needs from, to, grade and price.";
            }

            if (from < 1 || to > seats || from > to)
            {
                return $"A band runs from a seat to a later or the same seat, within 1 to {seats} (got {from}–{to}).";
            }

            if (grade.Trim().Length is 0 or > MaxGradeLength || grade.Any(char.IsControl))
            {
                return $"A grade is 1 to {MaxGradeLength} characters without control characters.";
            }

            if (price is < 1 or > MaxPrice)
            {
                return $"A price is 1 to {MaxPrice:N0} points (got {price}).";
            }

            for (var n = from; n <= to; n++)
            {
                if (covered[n])
                {
                    return $"Seat {n} is in two bands.";
                }

                covered[n] = true;
            }
        }

        var missing = Enumerable.Range(1, seats).Where(n => !covered[n]).ToList();
        return missing.Count == 0 ? null : $"Seats {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")} are in no band.";
    }
}
