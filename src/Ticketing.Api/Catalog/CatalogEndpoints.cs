using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ticketing.Api.Auth;
using Ticketing.Api.Data;
using Ticketing.Api.Holds;
using Ticketing.Api.Infrastructure;
using Ticketing.Api.Queue;

namespace Ticketing.Api.Catalog;

/// <summary>An item of <c>GET /api/concerts</c>.</summary>
/// <param name="ConcertId">Id.</param>
/// <param name="Title">Title.</param>
/// <param name="Performer">Performer.</param>
/// <param name="Venue">Venue.</param>
public sealed record ConcertSummary(Guid ConcertId, string Title, string Performer, string Venue);

/// <summary>An item of <c>GET /api/concerts/{concertId}/schedules</c>.</summary>
/// <param name="ScheduleId">Id.</param>
/// <param name="StartsAt">Show time (UTC).</param>
/// <param name="BookingOpensAt">Booking window start (UTC).</param>
/// <param name="BookingClosesAt">Booking window end (UTC).</param>
/// <param name="TotalSeats">Seats of the schedule (50).</param>
/// <param name="AvailableSeats">Seats neither sold nor held right now.</param>
public sealed record ScheduleSummary(Guid ScheduleId, DateTimeOffset StartsAt, DateTimeOffset BookingOpensAt, DateTimeOffset BookingClosesAt, int TotalSeats, int AvailableSeats);

/// <summary>An item of <c>GET /api/schedules/{scheduleId}/seats</c>.</summary>
/// <param name="SeatNumber">1..50.</param>
/// <param name="Grade">Seat grade, e.g. <c>VIP</c>.</param>
/// <param name="Price">Price in points.</param>
/// <param name="Status"><c>AVAILABLE</c>, <c>HELD</c> or <c>SOLD</c>.</param>
public sealed record SeatView(int SeatNumber, string Grade, long Price, string Status);

/// <summary>Seat statuses as the API spells them.</summary>
public static class SeatStatus
{
    /// <summary>Neither sold nor held.</summary>
    public const string Available = "AVAILABLE";

    /// <summary>Held by someone (a Redis hold key exists).</summary>
    public const string Held = "HELD";

    /// <summary>A confirmed reservation exists (Postgres).</summary>
    public const string Sold = "SOLD";
}

/// <summary>What the Api needs to know of a schedule to browse or hold its seats.</summary>
public sealed class ScheduleInfo
{
    /// <summary>Schedule id.</summary>
    public Guid Id { get; init; }

    /// <summary>Concert id.</summary>
    public Guid ConcertId { get; init; }

    /// <summary>Booking window start.</summary>
    public DateTimeOffset BookingOpensAt { get; init; }

    /// <summary>Booking window end.</summary>
    public DateTimeOffset BookingClosesAt { get; init; }

    /// <summary>True when <paramref name="now"/> is inside the booking window.</summary>
    public bool IsBookingOpen(DateTimeOffset now) => now >= BookingOpensAt && now < BookingClosesAt;
}

/// <summary>Concerts, schedules and seats (API.md "Catalog"). Postgres holds the catalog and SOLD; Redis holds HELD.</summary>
public static class CatalogEndpoints
{
    /// <summary>Seats per schedule (seed 002 §2: seats 1..50).</summary>
    public const int SeatsPerSchedule = 50;

    /// <summary>Registers the feature's services.</summary>
    public static IServiceCollection AddCatalog(this IServiceCollection services) => services;

    /// <summary>Maps the catalog routes.</summary>
    public static IEndpointRouteBuilder MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Catalog");
        group.MapGet("/concerts", ListConcerts).AllowAnonymous().WithSummary("List concerts");
        group.MapGet("/concerts/{concertId:guid}/schedules", ListSchedules).RequireAuthorization().WithSummary("[active] Bookable schedules of a concert")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/schedules/{scheduleId:guid}/seats", ListSeats).RequireAuthorization().WithSummary("[active] Seats 1..50 of a schedule")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>All concerts, by title. Anonymous.</summary>
    public static async Task<Ok<ConcertSummary[]>> ListConcerts(TicketingDbContext db) =>
        TypedResults.Ok(await db.Concerts.AsNoTracking()
            .OrderBy(c => c.Title).ThenBy(c => c.Id)
            .Select(c => new ConcertSummary(c.Id, c.Title, c.Performer, c.Venue))
            .ToArrayAsync());

    /// <summary>
    /// <b>[active]</b> Schedules of a concert whose booking window is open and that have unsold seats, by show time.
    /// 404 <c>CONCERT_NOT_FOUND</c>; queue-token errors per <see cref="IQueuePassValidator"/>.
    /// </summary>
    public static async Task<Results<Ok<ScheduleSummary[]>, ProblemHttpResult>> ListSchedules(
        Guid concertId, HttpContext http, TicketingDbContext db, IQueuePassValidator queue, HoldStore holds)
    {
        if (!await db.Concerts.AnyAsync(c => c.Id == concertId))
        {
            return ApiProblems.NotFound(ErrorCodes.ConcertNotFound, "No such concert");
        }

        var check = await queue.CheckActiveAsync(http, http.User.GetUserId(), concertId);
        if (check.Problem is not null)
        {
            return check.Problem;
        }

        // The booking window is judged by the database's clock, as the SQL this replaced did: DateTimeOffset.UtcNow translates to now().
        var rows = (await db.Schedules.AsNoTracking()
            .Where(s => s.ConcertId == concertId && DateTimeOffset.UtcNow >= s.BookingOpensAt && DateTimeOffset.UtcNow < s.BookingClosesAt)
            .OrderBy(s => s.StartsAt)
            .Select(s => new
            {
                s.Id, s.StartsAt, s.BookingOpensAt, s.BookingClosesAt,
                Total = s.Seats.Count,
                Sold = db.Reservations.Count(r => r.ScheduleId == s.Id),
            })
            .ToListAsync()).Where(r => r.Sold < r.Total).ToList();

        var result = new List<ScheduleSummary>(rows.Count);
        foreach (var row in rows)
        {
            var held = (await holds.HeldSeatsAsync(row.Id, row.Total)).Count(h => h);
            result.Add(new ScheduleSummary(row.Id, row.StartsAt, row.BookingOpensAt, row.BookingClosesAt, row.Total, Math.Max(0, row.Total - row.Sold - held)));
        }

        return TypedResults.Ok(result.ToArray());
    }

    /// <summary>
    /// <b>[active]</b> The seats 1..50 of a schedule with grade, price and status (SOLD from Postgres wins over HELD from Redis).
    /// 404 <c>SCHEDULE_NOT_FOUND</c>; queue-token errors per <see cref="IQueuePassValidator"/>.
    /// </summary>
    public static async Task<Results<Ok<SeatView[]>, ProblemHttpResult>> ListSeats(
        Guid scheduleId, HttpContext http, TicketingDbContext db, IQueuePassValidator queue, HoldStore holds)
    {
        var schedule = await FindScheduleAsync(db, scheduleId);
        if (schedule is null)
        {
            return ApiProblems.NotFound(ErrorCodes.ScheduleNotFound, "No such schedule");
        }

        var check = await queue.CheckActiveAsync(http, http.User.GetUserId(), schedule.ConcertId);
        if (check.Problem is not null)
        {
            return check.Problem;
        }

        var seats = await db.Seats.AsNoTracking()
            .Where(st => st.ScheduleId == scheduleId)
            .OrderBy(st => st.SeatNumber)
            .Select(st => new { st.SeatNumber, st.Grade, st.Price, Sold = st.Reservation != null })
            .ToListAsync();
        var held = await holds.HeldSeatsAsync(scheduleId, SeatsPerSchedule);
        return TypedResults.Ok(seats.Select(s => new SeatView(s.SeatNumber, s.Grade, s.Price,
            s.Sold ? SeatStatus.Sold : held[s.SeatNumber - 1] ? SeatStatus.Held : SeatStatus.Available)).ToArray());
    }

    /// <summary>Loads a schedule's concert and booking window; null when unknown.</summary>
    private static Task<ScheduleInfo?> FindScheduleAsync(TicketingDbContext db, Guid scheduleId) => FindSchedule(db, scheduleId);

    // Compiled once: every seat-map read runs it, and a compiled EF Core query is on par with hand-written SQL
    // (bench/Ticketing.Benchmarks), where the LINQ query costs a compilation-cache lookup per call.
    private static readonly Func<TicketingDbContext, Guid, Task<ScheduleInfo?>> FindSchedule = EF.CompileAsyncQuery(
        (TicketingDbContext db, Guid scheduleId) => db.Schedules.AsNoTracking()
            .Where(s => s.Id == scheduleId)
            .Select(s => new ScheduleInfo { Id = s.Id, ConcertId = s.ConcertId, BookingOpensAt = s.BookingOpensAt, BookingClosesAt = s.BookingClosesAt })
            .SingleOrDefault());
}
