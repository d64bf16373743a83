using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
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
    public static async Task<Ok<ConcertSummary[]>> ListConcerts(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        var concerts = await connection.QueryAsync<ConcertSummary>(
            "SELECT id AS ConcertId, title, performer, venue FROM concerts ORDER BY title, id");
        return TypedResults.Ok(concerts.ToArray());
    }

    /// <summary>
    /// <b>[active]</b> Schedules of a concert whose booking window is open and that have unsold seats, by show time.
    /// 404 <c>CONCERT_NOT_FOUND</c>; queue-token errors per <see cref="IQueuePassValidator"/>.
    /// </summary>
    public static async Task<Results<Ok<ScheduleSummary[]>, ProblemHttpResult>> ListSchedules(
        Guid concertId, HttpContext http, NpgsqlDataSource db, IQueuePassValidator queue, HoldStore holds, TimeProvider clock)
    {
        await using var connection = await db.OpenConnectionAsync();
        if (!await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM concerts WHERE id = @concertId)", new { concertId }))
        {
            return ApiProblems.NotFound(ErrorCodes.ConcertNotFound, "No such concert");
        }

        var check = await queue.CheckActiveAsync(http, http.User.GetUserId(), concertId);
        if (check.Problem is not null)
        {
            return check.Problem;
        }

        var rows = (await connection.QueryAsync<(Guid Id, DateTime StartsAt, DateTime OpensAt, DateTime ClosesAt, int Total, int Sold)>("""
            SELECT s.id, s.starts_at, s.booking_opens_at, s.booking_closes_at,
                   (SELECT count(*) FROM seats st WHERE st.schedule_id = s.id)::int,
                   (SELECT count(*) FROM reservations r WHERE r.schedule_id = s.id)::int
            FROM schedules s
            WHERE s.concert_id = @concertId AND now() >= s.booking_opens_at AND now() < s.booking_closes_at
            ORDER BY s.starts_at
            """, new { concertId })).Where(r => r.Sold < r.Total).ToList();

        var result = new List<ScheduleSummary>(rows.Count);
        foreach (var row in rows)
        {
            var held = (await holds.HeldSeatsAsync(row.Id, row.Total)).Count(h => h);
            result.Add(new ScheduleSummary(row.Id, Utc(row.StartsAt), Utc(row.OpensAt), Utc(row.ClosesAt), row.Total, Math.Max(0, row.Total - row.Sold - held)));
        }

        return TypedResults.Ok(result.ToArray());
    }

    /// <summary>
    /// <b>[active]</b> The seats 1..50 of a schedule with grade, price and status (SOLD from Postgres wins over HELD from Redis).
    /// 404 <c>SCHEDULE_NOT_FOUND</c>; queue-token errors per <see cref="IQueuePassValidator"/>.
    /// </summary>
    public static async Task<Results<Ok<SeatView[]>, ProblemHttpResult>> ListSeats(
        Guid scheduleId, HttpContext http, NpgsqlDataSource db, IQueuePassValidator queue, HoldStore holds)
    {
        await using var connection = await db.OpenConnectionAsync();
        var schedule = await FindScheduleAsync(connection, scheduleId);
        if (schedule is null)
        {
            return ApiProblems.NotFound(ErrorCodes.ScheduleNotFound, "No such schedule");
        }

        var check = await queue.CheckActiveAsync(http, http.User.GetUserId(), schedule.ConcertId);
        if (check.Problem is not null)
        {
            return check.Problem;
        }

        var seats = await connection.QueryAsync<(int SeatNumber, string Grade, long Price, bool Sold)>("""
            SELECT st.seat_number, st.grade, st.price, (r.id IS NOT NULL)
            FROM seats st LEFT JOIN reservations r ON r.schedule_id = st.schedule_id AND r.seat_number = st.seat_number
            WHERE st.schedule_id = @scheduleId ORDER BY st.seat_number
            """, new { scheduleId });
        var held = await holds.HeldSeatsAsync(scheduleId, SeatsPerSchedule);
        return TypedResults.Ok(seats.Select(s => new SeatView(s.SeatNumber, s.Grade, s.Price,
            s.Sold ? SeatStatus.Sold : held[s.SeatNumber - 1] ? SeatStatus.Held : SeatStatus.Available)).ToArray());
    }

    /// <summary>Loads a schedule's concert and booking window; null when unknown.</summary>
    public static Task<ScheduleInfo?> FindScheduleAsync(NpgsqlConnection connection, Guid scheduleId) =>
        connection.QuerySingleOrDefaultAsync<ScheduleInfo>(
            "SELECT id, concert_id AS ConcertId, booking_opens_at AS BookingOpensAt, booking_closes_at AS BookingClosesAt FROM schedules WHERE id = @scheduleId",
            new { scheduleId });

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
