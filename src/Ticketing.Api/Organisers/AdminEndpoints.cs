using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Ticketing.Api.Auth;
using Ticketing.Api.Catalog;
using Ticketing.Api.Data;
using Ticketing.Api.Data.Model;
using Ticketing.Api.Holds;
using Ticketing.Api.Infrastructure;
using Ticketing.Api.Reservations;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Organisers;

/// <summary>Body of <c>POST /api/admin/concerts</c>; each field 1–200 characters.</summary>
/// <param name="Title">Shown in the shop.</param>
/// <param name="Performer">Who plays.</param>
/// <param name="Venue">Where.</param>
public sealed record NewConcertRequest(string? Title, string? Performer, string? Venue);

/// <summary>Body of <c>POST /api/admin/concerts/{concertId}/schedules</c>.</summary>
/// <param name="StartsAt">Show time (UTC).</param>
/// <param name="BookingOpensAt">Booking window start (UTC), before <paramref name="BookingClosesAt"/>.</param>
/// <param name="BookingClosesAt">Booking window end (UTC, exclusive), no later than <paramref name="StartsAt"/>.</param>
/// <param name="Seats">Bands covering seats 1..50 exactly once (<see cref="CatalogRules.CheckSeatMap"/>).</param>
public sealed record NewScheduleRequest(DateTimeOffset? StartsAt, DateTimeOffset? BookingOpensAt, DateTimeOffset? BookingClosesAt, SeatBand?[]? Seats);

/// <summary>Body of <c>PATCH /api/admin/schedules/{scheduleId}</c>: the window bounds to change; a missing one keeps its value.</summary>
/// <param name="BookingOpensAt">New booking window start (UTC).</param>
/// <param name="BookingClosesAt">New booking window end (UTC).</param>
public sealed record BookingWindowPatch(DateTimeOffset? BookingOpensAt, DateTimeOffset? BookingClosesAt);

/// <summary>A schedule as its organiser sees it.</summary>
/// <param name="ScheduleId">Id.</param>
/// <param name="StartsAt">Show time (UTC).</param>
/// <param name="BookingOpensAt">Booking window start (UTC).</param>
/// <param name="BookingClosesAt">Booking window end (UTC).</param>
/// <param name="TotalSeats">Seats of the schedule (50).</param>
/// <param name="Cancelled">True once the show is cancelled.</param>
public sealed record AdminScheduleView(Guid ScheduleId, DateTimeOffset StartsAt, DateTimeOffset BookingOpensAt, DateTimeOffset BookingClosesAt, int TotalSeats, bool Cancelled);

/// <summary>A concert of the calling organiser.</summary>
/// <param name="ConcertId">Id.</param>
/// <param name="Title">Title.</param>
/// <param name="Performer">Performer.</param>
/// <param name="Venue">Venue.</param>
/// <param name="Schedules">Its schedules by show time (empty in the answer to its creation).</param>
public sealed record AdminConcertView(Guid ConcertId, string Title, string Performer, string Venue, AdminScheduleView[] Schedules);

/// <summary>Answer of <c>GET /api/admin/schedules/{scheduleId}/sales</c>; money in points.</summary>
/// <param name="ScheduleId">The schedule.</param>
/// <param name="TotalSeats">Seats of the schedule (50).</param>
/// <param name="Sold">Seats with a CONFIRMED reservation (Postgres).</param>
/// <param name="Held">Unsold seats under a live hold right now (Redis).</param>
/// <param name="Available">TotalSeats − Sold − Held.</param>
/// <param name="CancelledReservations">Reservations cancelled, by their buyers or with the show.</param>
/// <param name="Revenue">Points of the CONFIRMED reservations: what the show keeps, refunds already taken off.</param>
/// <param name="Refunded">Points given back by the cancelled reservations.</param>
public sealed record ScheduleSalesView(Guid ScheduleId, int TotalSeats, int Sold, int Held, int Available, int CancelledReservations, long Revenue, long Refunded);

/// <summary>Answer of <c>POST /api/admin/schedules/{scheduleId}/cancel</c>.</summary>
/// <param name="ScheduleId">The schedule, now off sale.</param>
/// <param name="ReservationsCancelled">Reservations this call cancelled and refunded (0 when the show was already cancelled).</param>
/// <param name="PointsRefunded">Points this call gave back in all.</param>
public sealed record ScheduleCancelledView(Guid ScheduleId, int ReservationsCancelled, long PointsRefunded);

/// <summary>Answer of <c>GET /api/admin/concerts/{concertId}/draw</c>: the record of the concert's pre-queue draw, for an audit.</summary>
/// <param name="ConcertId">The concert.</param>
/// <param name="OpensAt">The sale's opening the draw was made for (UTC).</param>
/// <param name="DrawnAt">When the QueueWorker drew (UTC), within an admission interval after the opening.</param>
/// <param name="Count">How many pre-queued people were placed.</param>
/// <param name="Order">Their user ids in drawn order: the first went first in line.</param>
public sealed record PreQueueDrawView(Guid ConcertId, DateTimeOffset OpensAt, DateTimeOffset DrawnAt, int Count, Guid[] Order);

/// <summary>
/// The organiser's side (API.md "Organiser"): concerts, schedules with their seat maps and booking windows, sales, and cancelling a
/// show. Every route needs the <see cref="AuthPolicies.Organiser"/> policy (401 without a token, 403 <c>FORBIDDEN</c> for other
/// users). A concert belongs to the organiser who created it (<see cref="Concert.OrganiserId"/>): another organiser's concert and
/// its schedules answer 404 as unknown ids do. Catalog writes reach the buyers' routes through the catalog's change notifications
/// (<see cref="CatalogCache"/>), within a second.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>Maps the <c>/api/admin</c> routes.</summary>
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Organiser").RequireAuthorization(AuthPolicies.Organiser)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        // Read-your-writes on this instance: after an organiser's write its own Api serves the new catalog at once (a join right
        // after a show is created sees its opening), without waiting for the change notification the other instances get.
        group.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var http = context.HttpContext;
            var outcome = result;
            while (outcome is INestedHttpResult nested)
            {
                outcome = nested.Result;
            }

            if (!HttpMethods.IsGet(http.Request.Method) && outcome is IStatusCodeHttpResult { StatusCode: < 400 })
            {
                await http.RequestServices.GetRequiredService<CatalogCache>().InvalidateAsync(http.RequestAborted);
            }

            return result;
        });
        group.MapGet("/concerts", ListConcerts).WithName("ListMyConcerts").WithSummary("My concerts and their schedules").WithDescription("The calling organiser's concerts by title, each with its dates by show time.");
        group.MapPost("/concerts", CreateConcert).WithName("CreateConcert").WithSummary("Create a concert").WithDescription("A concert owned by the caller: title, performer and venue, each 1–200 characters without control characters (400 INVALID_REQUEST). 201.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapPost("/concerts/{concertId:guid}/schedules", CreateSchedule).WithName("CreateSchedule").WithSummary("Add a show with its seat map").WithDescription("A date of the caller's concert with its booking window (opens before it closes, closes no later than the show) and its seats 1–50 as grade bands covering each seat once (grade 1–16 characters, price 1–10,000,000 points). 201; 400 INVALID_BOOKING_WINDOW or INVALID_SEAT_MAP; 404 CONCERT_NOT_FOUND (unknown or another organiser's).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPatch("/schedules/{scheduleId:guid}", ChangeBookingWindow).WithName("ChangeBookingWindow").WithSummary("Move a show's booking window").WithDescription("Moves either bound of the window; a bound the body leaves out keeps its value. 200 with the date; 400 INVALID_BOOKING_WINDOW, 404 SCHEDULE_NOT_FOUND, 409 SCHEDULE_CANCELLED.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/schedules/{scheduleId:guid}/sales", Sales).WithName("GetScheduleSales").WithSummary("How a show sells").WithDescription("Sold, held and available seats, cancelled reservations, revenue and refunds in points, right now. 404 SCHEDULE_NOT_FOUND.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/schedules/{scheduleId:guid}/cancel", CancelSchedule).WithName("CancelSchedule").WithSummary("Cancel a show and refund its buyers").WithDescription("Takes the date off sale at once and cancels every CONFIRMED reservation of it, each refunded in full exactly once. 200 with what this call refunded (zeros when the show was already cancelled); 404 SCHEDULE_NOT_FOUND.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/concerts/{concertId:guid}/draw", Draw).WithName("GetPreQueueDraw").WithSummary("The record of the concert's pre-queue draw").WithDescription("Who joined before the sale opened and the random order they were placed in line at the opening, with when it was drawn: for an audit, kept 90 days. 404 CONCERT_NOT_FOUND; 404 DRAW_NOT_FOUND while there is none.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// The record of the concert's pre-queue draw (API.md "Limits, challenges and the pre-queue": one random order at the sale's
    /// opening, recorded so that it can be audited), kept <see cref="QueueOptions.DrawRetention"/>. 404
    /// <c>CONCERT_NOT_FOUND</c> for an unknown or another organiser's concert; 404 <c>DRAW_NOT_FOUND</c> while there is none
    /// (nobody pre-queued, the sale has not opened yet, or the record is past its retention).
    /// </summary>
    public static async Task<Results<Ok<PreQueueDrawView>, ProblemHttpResult>> Draw(
        Guid concertId, HttpContext http, TicketingDbContext db, WaitingRoomStore waitingRoom)
    {
        var organiserId = http.User.GetUserId();
        if (!await db.Concerts.AnyAsync(c => c.Id == concertId && c.OrganiserId == organiserId, http.RequestAborted))
        {
            return ApiProblems.NotFound(ErrorCodes.ConcertNotFound, "No such concert");
        }

        return await waitingRoom.ReadDrawAsync(concertId) is { } draw
            ? TypedResults.Ok(new PreQueueDrawView(concertId, draw.OpensAt, draw.DrawnAt, draw.Users.Count, [.. draw.Users]))
            : ApiProblems.NotFound(ErrorCodes.DrawNotFound, "No pre-queue draw for this concert",
                "The pre-queue is drawn at the sale's opening, and only when someone joined before it.");
    }

    /// <summary>The caller's concerts by title, each with its schedules by show time.</summary>
    public static async Task<Ok<AdminConcertView[]>> ListConcerts(HttpContext http, TicketingDbContext db)
    {
        var organiserId = http.User.GetUserId();
        var concerts = await db.Concerts.AsNoTracking().Where(c => c.OrganiserId == organiserId)
            .OrderBy(c => c.Title).ThenBy(c => c.Id).ToListAsync();
        var schedules = (await db.Schedules.AsNoTracking().Where(s => s.Concert.OrganiserId == organiserId)
            .OrderBy(s => s.StartsAt).ThenBy(s => s.Id)
            .Select(s => new { s.ConcertId, View = new AdminScheduleView(s.Id, s.StartsAt, s.BookingOpensAt, s.BookingClosesAt, s.Seats.Count, s.CancelledAt != null) })
            .ToListAsync()).ToLookup(s => s.ConcertId, s => s.View);
        return TypedResults.Ok(concerts.Select(c => new AdminConcertView(c.Id, c.Title, c.Performer, c.Venue, [.. schedules[c.Id]])).ToArray());
    }

    /// <summary>Creates a concert owned by the caller. 201; 400 <c>INVALID_REQUEST</c> (<see cref="CatalogRules.CheckText"/>).</summary>
    public static async Task<Results<Created<AdminConcertView>, ProblemHttpResult>> CreateConcert(
        NewConcertRequest body, HttpContext http, TicketingDbContext db, ILoggerFactory loggers)
    {
        if ((CatalogRules.CheckText("title", body.Title) ?? CatalogRules.CheckText("performer", body.Performer)
                ?? CatalogRules.CheckText("venue", body.Venue)) is { } reason)
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidRequest, "The concert is not valid", reason);
        }

        var concert = new Concert
        {
            Id = Guid.CreateVersion7(), Title = body.Title!.Trim(), Performer = body.Performer!.Trim(), Venue = body.Venue!.Trim(),
            OrganiserId = http.User.GetUserId(),
        };
        db.Concerts.Add(concert);
        await db.SaveChangesAsync();
        loggers.CreateLogger(nameof(AdminEndpoints)).LogInformation("Organiser {OrganiserId} created concert {ConcertId} '{Title}'",
            concert.OrganiserId, concert.Id, concert.Title);
        return TypedResults.Created($"/api/admin/concerts/{concert.Id}", new AdminConcertView(concert.Id, concert.Title, concert.Performer, concert.Venue, []));
    }

    /// <summary>
    /// Adds a show to the caller's concert with its booking window and its seat map (50 seats in grade bands), in one transaction.
    /// 201; 400 <c>INVALID_BOOKING_WINDOW</c> (<see cref="CatalogRules.CheckWindow"/>), 400 <c>INVALID_SEAT_MAP</c>
    /// (<see cref="CatalogRules.CheckSeatMap"/>), 404 <c>CONCERT_NOT_FOUND</c> (unknown or another organiser's).
    /// </summary>
    public static async Task<Results<Created<AdminScheduleView>, ProblemHttpResult>> CreateSchedule(
        Guid concertId, NewScheduleRequest body, HttpContext http, TicketingDbContext db, ILoggerFactory loggers)
    {
        var organiserId = http.User.GetUserId();
        if (!await db.Concerts.AnyAsync(c => c.Id == concertId && c.OrganiserId == organiserId))
        {
            return ApiProblems.NotFound(ErrorCodes.ConcertNotFound, "No such concert");
        }

        if (CatalogRules.CheckWindow(body.StartsAt, body.BookingOpensAt, body.BookingClosesAt) is { } badWindow)
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidBookingWindow, "The booking window is not valid", badWindow);
        }

        if (CatalogRules.CheckSeatMap(body.Seats) is { } badMap)
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidSeatMap, "The seat map is not valid", badMap);
        }

        var schedule = new Schedule
        {
            Id = Guid.CreateVersion7(), ConcertId = concertId, StartsAt = body.StartsAt!.Value,
            BookingOpensAt = body.BookingOpensAt!.Value, BookingClosesAt = body.BookingClosesAt!.Value,
        };
        schedule.Seats = [.. body.Seats!.SelectMany(band => Enumerable.Range(band!.From!.Value, band.To!.Value - band.From.Value + 1)
            .Select(n => new Seat { ScheduleId = schedule.Id, SeatNumber = n, Grade = band.Grade!.Trim(), Price = band.Price!.Value }))];
        db.Schedules.Add(schedule);
        await db.SaveChangesAsync();
        loggers.CreateLogger(nameof(AdminEndpoints)).LogInformation(
            "Organiser {OrganiserId} added schedule {ScheduleId} to concert {ConcertId}: show {StartsAt:O}, booking {OpensAt:O}–{ClosesAt:O}",
            organiserId, schedule.Id, concertId, schedule.StartsAt, schedule.BookingOpensAt, schedule.BookingClosesAt);
        return TypedResults.Created($"/api/admin/schedules/{schedule.Id}", View(schedule, schedule.Seats.Count));
    }

    /// <summary>
    /// Moves the booking window of the caller's show; a bound the body leaves out keeps its value. 200 with the schedule; 400
    /// <c>INVALID_BOOKING_WINDOW</c>, 404 <c>SCHEDULE_NOT_FOUND</c>, 409 <c>SCHEDULE_CANCELLED</c>.
    /// </summary>
    public static async Task<Results<Ok<AdminScheduleView>, ProblemHttpResult>> ChangeBookingWindow(
        Guid scheduleId, BookingWindowPatch body, HttpContext http, TicketingDbContext db, ILoggerFactory loggers)
    {
        var organiserId = http.User.GetUserId();
        var schedule = await db.Schedules.SingleOrDefaultAsync(s => s.Id == scheduleId && s.Concert.OrganiserId == organiserId);
        if (schedule is null)
        {
            return ScheduleNotFound();
        }

        if (schedule.CancelledAt is not null)
        {
            return ApiProblems.Conflict(ErrorCodes.ScheduleCancelled, "The show is cancelled", "A cancelled show cannot go back on sale.");
        }

        var opensAt = body.BookingOpensAt ?? schedule.BookingOpensAt;
        var closesAt = body.BookingClosesAt ?? schedule.BookingClosesAt;
        if (CatalogRules.CheckWindow(schedule.StartsAt, opensAt, closesAt) is { } badWindow)
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidBookingWindow, "The booking window is not valid", badWindow);
        }

        (schedule.BookingOpensAt, schedule.BookingClosesAt) = (opensAt, closesAt);
        await db.SaveChangesAsync();
        loggers.CreateLogger(nameof(AdminEndpoints)).LogInformation("Organiser {OrganiserId} moved the booking window of schedule {ScheduleId} to {OpensAt:O}–{ClosesAt:O}",
            organiserId, scheduleId, opensAt, closesAt);
        return TypedResults.Ok(View(schedule, await db.Seats.CountAsync(s => s.ScheduleId == scheduleId)));
    }

    /// <summary>
    /// How the caller's show sells right now: sold, cancelled, revenue and refunds from Postgres (the arbiter); held from Redis's seat
    /// locks (<see cref="HoldStore.SeatStatesAsync"/>), counting unsold seats only. 404 <c>SCHEDULE_NOT_FOUND</c>.
    /// </summary>
    public static async Task<Results<Ok<ScheduleSalesView>, ProblemHttpResult>> Sales(Guid scheduleId, HttpContext http, TicketingDbContext db, HoldStore holds)
    {
        var organiserId = http.User.GetUserId();
        var totalSeats = await db.Schedules.Where(s => s.Id == scheduleId && s.Concert.OrganiserId == organiserId)
            .Select(s => (int?)s.Seats.Count).SingleOrDefaultAsync();
        if (totalSeats is not { } total)
        {
            return ScheduleNotFound();
        }

        var rows = await db.Reservations.AsNoTracking().Where(r => r.ScheduleId == scheduleId)
            .Select(r => new { r.SeatNumber, r.Status, r.Price }).ToListAsync();
        var confirmed = rows.Where(r => r.Status == Reservation.Confirmed).ToList();
        var cancelled = rows.Where(r => r.Status == Reservation.Cancelled).ToList();
        var soldSeats = confirmed.Select(r => r.SeatNumber).ToHashSet();
        var states = await holds.SeatStatesAsync(scheduleId, CatalogEndpoints.SeatsPerSchedule);
        var held = Enumerable.Range(1, CatalogEndpoints.SeatsPerSchedule).Count(n => states[n - 1] == SeatStatus.Held && !soldSeats.Contains(n));
        return TypedResults.Ok(new ScheduleSalesView(scheduleId, total, confirmed.Count, held, Math.Max(0, total - confirmed.Count - held),
            cancelled.Count, confirmed.Sum(r => r.Price), cancelled.Sum(r => r.Price)));
    }

    /// <summary>
    /// Cancels the caller's show: off sale at once (holds answer 409 <c>BOOKING_CLOSED</c>, it leaves the buyers' schedule list) and
    /// every CONFIRMED reservation cancelled and refunded (<see cref="Refunds"/>), each exactly once, in one transaction; then the
    /// seats are released in Redis (<see cref="SeatReleases"/>). The schedule row is locked FOR UPDATE first, which waits for
    /// payments of the show that are committing (they lock it FOR KEY SHARE) and makes later ones find it cancelled: every
    /// payment either commits before and is refunded here, or debits nothing. A repeat refunds nothing more (200, zeros).
    /// 404 <c>SCHEDULE_NOT_FOUND</c>.
    /// </summary>
    public static async Task<Results<Ok<ScheduleCancelledView>, ProblemHttpResult>> CancelSchedule(
        Guid scheduleId, HttpContext http, TicketingDbContext db, SeatReleases releases, TimeProvider clock, ILoggerFactory loggers)
    {
        var organiserId = http.User.GetUserId();
        var now = clock.GetUtcNow();
        var refunds = new List<Cancellation>();
        await using (var efTransaction = await db.Database.BeginTransactionAsync())
        {
            var transaction = efTransaction.GetDbTransaction();
            var connection = transaction.Connection!;
            var alreadyCancelled = await connection.QuerySingleOrDefaultAsync<bool?>("""
                SELECT s.cancelled_at IS NOT NULL FROM schedules s JOIN concerts c ON c.id = s.concert_id
                WHERE s.id = @scheduleId AND c.organiser_id = @organiserId
                FOR UPDATE OF s
                """, new { scheduleId, organiserId }, transaction);
            if (alreadyCancelled is null)
            {
                return ScheduleNotFound();
            }

            if (alreadyCancelled == false)
            {
                await connection.ExecuteAsync("UPDATE schedules SET cancelled_at = @now WHERE id = @scheduleId", new { now, scheduleId }, transaction);
            }

            // In user order, so two shows cancelled at once lock their buyers' balances in one order (no deadlock).
            var reservationIds = await connection.QueryAsync<Guid>(
                "SELECT id FROM reservations WHERE schedule_id = @scheduleId AND status = 'CONFIRMED' ORDER BY user_id, id",
                new { scheduleId }, transaction);
            foreach (var reservationId in reservationIds)
            {
                if (await Refunds.CancelAsync(transaction, reservationId, buyerId: null, now, requireOpenWindow: false) is { } refund)
                {
                    refunds.Add(refund);
                }
            }

            await efTransaction.CommitAsync();
        }

        ApiMetrics.Refunds.Add(refunds.Count, new KeyValuePair<string, object?>("reason", "show_cancelled"));
        await releases.DeliverAsync(refunds, http.RequestAborted);
        var answer = new ScheduleCancelledView(scheduleId, refunds.Count, refunds.Sum(r => r.Refund));
        loggers.CreateLogger(nameof(AdminEndpoints)).LogInformation(
            "Organiser {OrganiserId} cancelled schedule {ScheduleId}: {Reservations} reservations cancelled, {Points} points refunded",
            organiserId, scheduleId, answer.ReservationsCancelled, answer.PointsRefunded);
        return TypedResults.Ok(answer);
    }

    private static AdminScheduleView View(Schedule s, int totalSeats) =>
        new(s.Id, s.StartsAt, s.BookingOpensAt, s.BookingClosesAt, totalSeats, s.CancelledAt is not null);

    private static ProblemHttpResult ScheduleNotFound() => ApiProblems.NotFound(ErrorCodes.ScheduleNotFound, "No such schedule");
}
