using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Ticketing.Api.Auth;
using Ticketing.Api.Catalog;
using Ticketing.Api.Infrastructure;
using Ticketing.Api.Queue;

namespace Ticketing.Api.Holds;

/// <summary>Body of <c>POST /api/holds</c>.</summary>
/// <param name="ScheduleId">The schedule.</param>
/// <param name="SeatNumber">1..50.</param>
public sealed record CreateHoldRequest(Guid? ScheduleId, int? SeatNumber);

/// <summary>A hold as the API shows it to its owner.</summary>
/// <param name="HoldId">Id, used to pay or release.</param>
/// <param name="ScheduleId">Schedule.</param>
/// <param name="SeatNumber">1..50.</param>
/// <param name="Grade">Seat grade.</param>
/// <param name="Price">Price in points.</param>
/// <param name="ExpiresAt">When the seat is released unless paid (UTC).</param>
/// <param name="ConcertId">The schedule's concert (an extra field beyond API.md, so a client can name what the seat is for).</param>
/// <param name="StartsAt">The schedule's show time (UTC; extra field, as <paramref name="ConcertId"/>).</param>
public sealed record HoldView(Guid HoldId, Guid ScheduleId, int SeatNumber, string Grade, long Price, DateTimeOffset ExpiresAt, Guid ConcertId, DateTimeOffset StartsAt)
{
    /// <summary>The view of a stored hold of <paramref name="schedule"/>.</summary>
    public static HoldView From(HoldRecord hold, CatalogSchedule schedule) =>
        new(hold.HoldId, hold.ScheduleId, hold.SeatNumber, hold.Grade, hold.Price, hold.ExpiresAt, schedule.ConcertId, schedule.StartsAt);
}

/// <summary>Temporary seat assignment (API.md "Holds"; ARCHITECTURE.md flow 4).</summary>
public static class HoldsEndpoints
{
    /// <summary>Binds and validates <see cref="HoldOptions"/> and registers the <see cref="HoldStore"/>.</summary>
    public static IServiceCollection AddHolds(this IServiceCollection services)
    {
        services.AddOptions<HoldOptions>().BindConfiguration(HoldOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services.AddSingleton<SoldSeats>().AddSingleton<HoldStore>();
    }

    /// <summary>Maps <c>POST /api/holds</c>, <c>GET /api/holds/{holdId}</c> and <c>DELETE /api/holds/{holdId}</c>.</summary>
    public static IEndpointRouteBuilder MapHoldsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/holds").WithTags("Holds").RequireAuthorization();
        group.MapPost("", Create).WithName("HoldSeat").WithSummary("Hold a seat for a few minutes [active]").WithDescription("Holds the seat for the caller for the hold duration (5 min by default): one winner per seat, everyone else 409 SEAT_UNAVAILABLE until it is released, paid or runs out. At most 4 live holds per date and per concert (409 HOLD_LIMIT_REACHED); a seat you released or let run out is yours to take again only after a cool-down (409 SEAT_UNAVAILABLE meanwhile). 404 SEAT_NOT_FOUND (no such seat or date), 409 BOOKING_CLOSED (outside the booking window or the show is cancelled).").RequireRateLimiting(RateLimits.Hold).TakesQueuePass(active: true)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{holdId:guid}", Get).WithName("GetHold").WithSummary("Read a live hold").WithDescription("The caller's hold while it is live. 404 HOLD_NOT_FOUND for an unknown, someone else's, expired, paid or released hold.").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{holdId:guid}", Release).WithName("ReleaseHold").WithSummary("Release a hold").WithDescription("Gives the seat back at once. 204; 404 HOLD_NOT_FOUND when the caller has no such live hold.").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// <b>[active]</b> Holds a seat for the caller for the hold duration. One winner per seat (Redis <c>SET NX PX</c>).
    /// 400 <c>INVALID_REQUEST</c> (no schedule id), 404 <c>SEAT_NOT_FOUND</c>, 409 <c>BOOKING_CLOSED</c>,
    /// 409 <c>SEAT_UNAVAILABLE</c> (held or sold), 409 <c>HOLD_LIMIT_REACHED</c>; queue-token errors per <see cref="IQueuePassValidator"/>.
    /// </summary>
    public static async Task<Results<Created<HoldView>, ProblemHttpResult>> Create(
        CreateHoldRequest body, HttpContext http, CatalogCache catalog, IQueuePassValidator queue, HoldStore holds,
        IOptions<HoldOptions> holdOptions, TimeProvider clock, ILoggerFactory loggers)
    {
        if (body.ScheduleId is not { } scheduleId || body.SeatNumber is not { } seatNumber)
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidRequest, "scheduleId and seatNumber are required");
        }

        var seatNotFound = ApiProblems.NotFound(ErrorCodes.SeatNotFound, "No such seat",
            $"Seats are numbered 1 to {CatalogEndpoints.SeatsPerSchedule} on an existing schedule.");
        if (seatNumber is < 1 or > CatalogEndpoints.SeatsPerSchedule)
        {
            return seatNotFound;
        }

        // The catalog comes from memory (CatalogCache); whether the seat is sold or held is decided by one Redis script.
        var schedule = await catalog.FindScheduleAsync(scheduleId, http.RequestAborted);
        if (schedule is null)
        {
            return seatNotFound;
        }

        var userId = http.User.GetUserId();
        var check = await queue.CheckActiveAsync(http, userId, schedule.ConcertId);
        if (check.Problem is not null)
        {
            return check.Problem;
        }

        if (!schedule.IsBookingOpen(clock.GetUtcNow()))
        {
            return ApiProblems.Conflict(ErrorCodes.BookingClosed, "Booking is closed for this schedule");
        }

        if (schedule.Seat(seatNumber) is not { } seat)
        {
            return seatNotFound;
        }

        var seatUnavailable = ApiProblems.Conflict(ErrorCodes.SeatUnavailable, "Seat is not available",
            "Someone holds or has bought this seat, or you released it moments ago (a short cool-down before you hold it again).");
        var (outcome, hold) = await holds.TryCreateAsync(userId, check.Pass!.TokenId, schedule.ConcertId, scheduleId, seatNumber, seat.Grade, seat.Price);
        ApiMetrics.Holds.Add(1, new KeyValuePair<string, object?>("outcome", outcome switch
        {
            HoldCreateOutcome.Created => "created",
            HoldCreateOutcome.LimitReached => "limit_reached",
            HoldCreateOutcome.PassEnded => "queue_token_expired",
            _ => "seat_unavailable",
        }));
        switch (outcome)
        {
            case HoldCreateOutcome.LimitReached:
                return ApiProblems.Conflict(ErrorCodes.HoldLimitReached, "Too many holds",
                    $"At most {holdOptions.Value.MaxPerUserPerSchedule} live holds per date and {holdOptions.Value.MaxPerUserPerConcert} per concert: pay for or release a seat you hold before holding another.");
            case HoldCreateOutcome.SeatTaken:
                return seatUnavailable;
            case HoldCreateOutcome.PassEnded:
                return QueuePassValidator.Expired();
        }

        loggers.CreateLogger(nameof(HoldsEndpoints)).LogDebug(
            "Hold {HoldId}: user {UserId} holds seat {SeatNumber} of schedule {ScheduleId} until {ExpiresAt:O}",
            hold!.HoldId, userId, seatNumber, scheduleId, hold.ExpiresAt);
        return TypedResults.Created($"/api/holds/{hold.HoldId}", HoldView.From(hold, schedule));
    }

    /// <summary>The caller's hold while it is live. 404 <c>HOLD_NOT_FOUND</c> for unknown, someone else's, expired, paid or released holds.</summary>
    public static async Task<Results<Ok<HoldView>, ProblemHttpResult>> Get(Guid holdId, HttpContext http, HoldStore holds, CatalogCache catalog, TimeProvider clock)
    {
        var hold = await holds.FindAsync(holdId);
        if (hold is null || hold.UserId != http.User.GetUserId() || hold.State != HoldStore.Held || hold.ExpiresAt <= clock.GetUtcNow()
            || await catalog.FindScheduleAsync(hold.ScheduleId, http.RequestAborted) is not { } schedule)
        {
            return HoldNotFound();
        }

        return TypedResults.Ok(HoldView.From(hold, schedule));
    }

    /// <summary>Releases the caller's live hold; the seat is AVAILABLE at once. 404 <c>HOLD_NOT_FOUND</c> when there is no such live hold of the caller.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Release(Guid holdId, HttpContext http, HoldStore holds)
    {
        var hold = await holds.FindAsync(holdId);
        if (hold is null || hold.UserId != http.User.GetUserId() || hold.State != HoldStore.Held || !await holds.ReleaseAsync(hold))
        {
            return HoldNotFound();
        }

        ApiMetrics.HoldsEnded.Add(1, new KeyValuePair<string, object?>("reason", "released"));
        return TypedResults.NoContent();
    }

    /// <summary>404 <c>HOLD_NOT_FOUND</c>, the same for unknown ids and other users' holds (API.md: such ids answer 404).</summary>
    public static ProblemHttpResult HoldNotFound() => ApiProblems.NotFound(ErrorCodes.HoldNotFound, "No such hold");
}
