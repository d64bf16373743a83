using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Ticketing.Api.Auth;
using Ticketing.Api.Data;
using Ticketing.Api.Data.Model;
using Ticketing.Api.Idempotency;
using Ticketing.Api.Infrastructure;

namespace Ticketing.Api.Reservations;

/// <summary>An item of <c>GET /api/reservations</c>.</summary>
public sealed class ReservationView
{
    /// <summary>Id.</summary>
    public Guid ReservationId { get; init; }

    /// <summary>The concert's title.</summary>
    public string ConcertTitle { get; init; } = "";

    /// <summary>Show time (UTC).</summary>
    public DateTimeOffset StartsAt { get; init; }

    /// <summary>1..50.</summary>
    public int SeatNumber { get; init; }

    /// <summary>Seat grade.</summary>
    public string Grade { get; init; } = "";

    /// <summary>Points paid.</summary>
    public long Price { get; init; }

    /// <summary><c>CONFIRMED</c> or <c>CANCELLED</c>.</summary>
    [AllowedValues(Reservation.Confirmed, Reservation.Cancelled)]
    public string Status { get; init; } = "";

    /// <summary>When it was paid (UTC).</summary>
    public DateTimeOffset PaidAt { get; init; }

    /// <summary>When it was cancelled (UTC); null while CONFIRMED.</summary>
    public DateTimeOffset? CancelledAt { get; init; }

    /// <summary>Points given back by the cancellation (the full price); null while CONFIRMED.</summary>
    public long? Refund { get; init; }
}

/// <summary>Answer of <c>POST /api/reservations/{reservationId}/cancel</c>.</summary>
/// <param name="ReservationId">The reservation.</param>
/// <param name="Status"><c>CANCELLED</c>.</param>
/// <param name="Refund">Points given back (the full price).</param>
/// <param name="Balance">The caller's balance after the refund, in points.</param>
public sealed record ReservationCancelled(Guid ReservationId, [property: AllowedValues(Reservation.Cancelled)] string Status, long Refund, long Balance);

/// <summary>The caller's reservations and their cancellation (API.md "Reservations").</summary>
public static class ReservationsEndpoints
{
    /// <summary>Registers the seat-release outbox (<see cref="SeatReleases"/>), which cancellations hand their seats to.</summary>
    public static IServiceCollection AddReservations(this IServiceCollection services)
    {
        services.AddSingleton<SeatReleases>();
        return services.AddHostedService(sp => sp.GetRequiredService<SeatReleases>());
    }

    /// <summary>Maps <c>GET /api/reservations</c> and <c>POST /api/reservations/{reservationId}/cancel</c>.</summary>
    public static IEndpointRouteBuilder MapReservationsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/reservations").WithTags("Reservations").RequireAuthorization();
        group.MapGet("", List).WithName("ListReservations").WithSummary("My reservations").WithDescription("The caller's reservations, CONFIRMED and CANCELLED, newest payment first.").ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPost("/{reservationId:guid}/cancel", Cancel).WithName("CancelReservation").WithSummary("Cancel a reservation and get the points back").WithDescription("While the date's booking window is open: the reservation becomes CANCELLED, the full price goes back to the balance (a REFUND history row) and the seat is on sale again. 404 RESERVATION_NOT_FOUND (unknown or someone else's), 409 RESERVATION_ALREADY_CANCELLED, 409 CANCELLATION_CLOSED.").TakesIdempotencyKey()
            .Produces<ReservationCancelled>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    /// <summary>The caller's reservations, CONFIRMED and CANCELLED, newest payment first.</summary>
    public static async Task<Ok<ReservationView[]>> List(HttpContext http, TicketingDbContext db)
    {
        var userId = http.User.GetUserId();
        var rows = await db.Reservations.AsNoTracking()
            .Where(r => r.UserId == userId)
            .OrderByDescending(r => r.PaidAt).ThenBy(r => r.Id)
            .Select(r => new ReservationView
            {
                ReservationId = r.Id,
                ConcertTitle = r.Seat.Schedule.Concert.Title,
                StartsAt = r.Seat.Schedule.StartsAt,
                SeatNumber = r.SeatNumber,
                Grade = r.Seat.Grade,
                Price = r.Price,
                Status = r.Status,
                PaidAt = r.PaidAt,
                CancelledAt = r.CancelledAt,
                Refund = r.Status == Reservation.Cancelled ? r.Price : null,
            })
            .ToArrayAsync();
        return TypedResults.Ok(rows);
    }

    /// <summary>
    /// Cancels the caller's CONFIRMED reservation while its schedule's booking window is open: the full price back to the balance
    /// (a <c>REFUND</c> history row) and the reservation CANCELLED in one transaction (<see cref="Refunds"/>), then the seat back on
    /// sale at once (<see cref="SeatReleases"/>). 200 <see cref="ReservationCancelled"/>; 404 <c>RESERVATION_NOT_FOUND</c> (unknown or
    /// someone else's), 409 <c>RESERVATION_ALREADY_CANCELLED</c>, 409 <c>CANCELLATION_CLOSED</c>; <c>Idempotency-Key</c> as on payments
    /// (<see cref="IdempotencyStore"/>).
    /// </summary>
    public static async Task<IResult> Cancel(Guid reservationId, HttpContext http, TicketingDbContext db, IdempotencyStore idempotency,
        SeatReleases releases, TimeProvider clock, ILoggerFactory loggers)
    {
        var userId = http.User.GetUserId();
        return await idempotency.RunAsync(http, userId, IdempotencyStore.Fingerprint("POST /api/reservations/{id}/cancel", reservationId), async key =>
        {
            Cancellation? refund;
            ReservationCancelled answer;
            await using (var efTransaction = await db.Database.BeginTransactionAsync())
            {
                var transaction = efTransaction.GetDbTransaction();
                try
                {
                    refund = await Refunds.CancelAsync(transaction, reservationId, userId, clock.GetUtcNow(), requireOpenWindow: true);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.NumericValueOutOfRange)
                {
                    return ApiProblems.Conflict(ErrorCodes.InvalidAmount, "The balance would exceed its maximum", "Nothing was cancelled.");
                }

                if (refund is null)
                {
                    await efTransaction.RollbackAsync();
                    return await RefusedAsync(db, reservationId, userId);
                }

                answer = new ReservationCancelled(reservationId, Reservation.Cancelled, refund.Refund, refund.Balance);
                if (key is not null)
                {
                    await IdempotencyStore.CompleteAsync(transaction, key, StatusCodes.Status200OK, answer);
                }

                await efTransaction.CommitAsync();
            }

            ApiMetrics.Refunds.Add(1, new KeyValuePair<string, object?>("reason", "buyer_cancelled"));
            await releases.DeliverAsync([refund], http.RequestAborted);
            loggers.CreateLogger(nameof(ReservationsEndpoints)).LogInformation(
                "Reservation {ReservationId} cancelled by its buyer {UserId}: {Refund} points refunded, seat {SeatNumber} of schedule {ScheduleId} back on sale",
                reservationId, userId, refund.Refund, refund.SeatNumber, refund.ScheduleId);
            return TypedResults.Ok(answer);
        });
    }

    // Nothing was cancelled: say why (someone else's reservation answers as an unknown one, API.md "Who is calling").
    private static async Task<ProblemHttpResult> RefusedAsync(TicketingDbContext db, Guid reservationId, Guid userId)
    {
        var state = await Refunds.ReasonAsync(db.Database.GetDbConnection(), reservationId);
        if (state is null || state.UserId != userId)
        {
            return ApiProblems.NotFound(ErrorCodes.ReservationNotFound, "No such reservation");
        }

        return state.Status == Reservation.Cancelled
            ? ApiProblems.Conflict(ErrorCodes.ReservationAlreadyCancelled, "The reservation is already cancelled", "Its refund was made then.")
            : ApiProblems.Conflict(ErrorCodes.CancellationClosed, "Cancellation has closed",
                $"Reservations can be cancelled until the booking window closes ({state.BookingClosesAt:O}).");
    }
}
