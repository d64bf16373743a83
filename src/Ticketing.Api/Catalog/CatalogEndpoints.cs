using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Ticketing.Api.Auth;
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
public sealed record SeatView(int SeatNumber, string Grade, long Price, [property: AllowedValues(SeatStatus.Available, SeatStatus.Held, SeatStatus.Sold)] string Status);

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

/// <summary>
/// Concerts, schedules and seats (API.md "Catalog"). Postgres holds the catalog and the reservations (the arbiter); the Api reads
/// the catalog from memory (<see cref="CatalogCache"/>) and HELD and SOLD from Redis (seat locks, and the sold set written at each
/// payment's commit).
/// </summary>
public static class CatalogEndpoints
{
    /// <summary>Seats per schedule (seed 002 §2: seats 1..50).</summary>
    public const int SeatsPerSchedule = 50;

    /// <summary>
    /// Registers the in-memory catalog (<see cref="CatalogCache"/>) and its Postgres change listener, and output caching of the
    /// anonymous concert list (ASP.NET Core output caching: in memory, only for requests without credentials, evicted by tag
    /// <see cref="CatalogCache.OutputCacheTag"/> whenever the catalog changes).
    /// </summary>
    public static IServiceCollection AddCatalog(this IServiceCollection services)
    {
        services.AddOutputCache(options => options.AddPolicy(ConcertListPolicy, policy => policy
            .Expire(TimeSpan.FromMinutes(10)).Tag(CatalogCache.OutputCacheTag)));
        services.AddSingleton<CatalogCache>();
        return services.AddHostedService<CatalogChangeListener>();
    }

    /// <summary>Maps the catalog routes.</summary>
    public static IEndpointRouteBuilder MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Catalog");
        group.MapGet("/concerts", ListConcerts).AllowAnonymous().CacheOutput(ConcertListPolicy).WithName("ListConcerts").WithSummary("List concerts").WithDescription("Every concert, by title. No sign-in needed.");
        group.MapGet("/concerts/{concertId:guid}/schedules", ListSchedules).RequireAuthorization().WithName("ListSchedules").WithSummary("Dates of a concert open for booking [active]").WithDescription("The concert's dates whose booking window is open and that have seats left, by show time. 404 CONCERT_NOT_FOUND.").TakesQueuePass(active: true)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/schedules/{scheduleId:guid}/seats", ListSeats).RequireAuthorization().WithName("ListSeats").WithSummary("Seats 1–50 of a date with their grade, price and status [active]").WithDescription("Every seat of the date with its grade, price in points and status (AVAILABLE, HELD or SOLD). 404 SCHEDULE_NOT_FOUND.").TakesQueuePass(active: true)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private const string ConcertListPolicy = "concert-list";

    /// <summary>All concerts, by title. Anonymous; served from the output cache until the catalog changes.</summary>
    public static async Task<Ok<IReadOnlyList<ConcertSummary>>> ListConcerts(CatalogCache catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok((await catalog.GetAsync(cancellationToken)).Concerts);

    /// <summary>
    /// <b>[active]</b> Schedules of a concert whose booking window is open and that have unsold seats, by show time.
    /// 404 <c>CONCERT_NOT_FOUND</c>; queue-token errors per <see cref="IQueuePassValidator"/>.
    /// </summary>
    public static async Task<Results<Ok<ScheduleSummary[]>, ProblemHttpResult>> ListSchedules(
        Guid concertId, HttpContext http, CatalogCache catalog, IQueuePassValidator queue, HoldStore holds, TimeProvider clock)
    {
        if (!await catalog.HasConcertAsync(concertId, http.RequestAborted))
        {
            return ApiProblems.NotFound(ErrorCodes.ConcertNotFound, "No such concert");
        }

        var check = await queue.CheckActiveAsync(http, http.User.GetUserId(), concertId);
        if (check.Problem is not null)
        {
            return check.Problem;
        }

        var now = clock.GetUtcNow();
        var result = new List<ScheduleSummary>();
        foreach (var schedule in (await catalog.GetAsync(http.RequestAborted)).SchedulesByConcert.GetValueOrDefault(concertId, []))
        {
            if (!schedule.IsBookingOpen(now))
            {
                continue;
            }

            var states = await holds.SeatStatesAsync(schedule.Id, SeatsPerSchedule);
            var seats = Enumerable.Range(1, SeatsPerSchedule).Where(n => schedule.Seat(n) is not null).ToList();
            var sold = seats.Count(n => states[n - 1] == SeatStatus.Sold);
            if (sold < seats.Count)
            {
                result.Add(new ScheduleSummary(schedule.Id, schedule.StartsAt, schedule.BookingOpensAt, schedule.BookingClosesAt, seats.Count,
                    seats.Count(n => states[n - 1] == SeatStatus.Available)));
            }
        }

        return TypedResults.Ok(result.ToArray());
    }

    /// <summary>
    /// <b>[active]</b> The seats 1..50 of a schedule with grade, price and status (SOLD wins over HELD). Grades and prices come
    /// from the in-memory catalog, statuses from one Redis script (<see cref="HoldStore.SeatStatesAsync"/>).
    /// 404 <c>SCHEDULE_NOT_FOUND</c>; queue-token errors per <see cref="IQueuePassValidator"/>.
    /// </summary>
    public static async Task<Results<Ok<SeatView[]>, ProblemHttpResult>> ListSeats(
        Guid scheduleId, HttpContext http, CatalogCache catalog, IQueuePassValidator queue, HoldStore holds)
    {
        var schedule = await catalog.FindScheduleAsync(scheduleId, http.RequestAborted);
        if (schedule is null)
        {
            return ApiProblems.NotFound(ErrorCodes.ScheduleNotFound, "No such schedule");
        }

        var check = await queue.CheckActiveAsync(http, http.User.GetUserId(), schedule.ConcertId);
        if (check.Problem is not null)
        {
            return check.Problem;
        }

        var states = await holds.SeatStatesAsync(scheduleId, SeatsPerSchedule);
        var seats = new List<SeatView>(SeatsPerSchedule);
        for (var n = 1; n <= SeatsPerSchedule; n++)
        {
            if (schedule.Seat(n) is { } seat)
            {
                seats.Add(new SeatView(n, seat.Grade, seat.Price, states[n - 1]));
            }
        }

        return TypedResults.Ok(seats.ToArray());
    }
}
