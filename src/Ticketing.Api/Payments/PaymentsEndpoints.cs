using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Ticketing.Api.Auth;
using Ticketing.Api.Balance;
using Ticketing.Api.Data;
using Ticketing.Api.Holds;
using Ticketing.Api.Idempotency;
using Ticketing.Api.Infrastructure;
using Ticketing.Api.Queue;

namespace Ticketing.Api.Payments;

/// <summary>Body of <c>POST /api/payments</c>.</summary>
/// <param name="HoldId">The caller's live hold.</param>
public sealed record PaymentRequest(Guid? HoldId);

/// <summary>Answer of a successful payment.</summary>
/// <param name="PaymentId">Id of the payment.</param>
/// <param name="ReservationId">Id of the confirmed reservation.</param>
/// <param name="Amount">Points debited (the seat's price).</param>
/// <param name="PaidAt">When (UTC).</param>
/// <param name="Balance">The balance after the debit, in points.</param>
public sealed record PaymentConfirmed(Guid PaymentId, Guid ReservationId, long Amount, DateTimeOffset PaidAt, long Balance);

/// <summary>
/// Payment (API.md "Payments"; ARCHITECTURE.md flow 5). The hold is checked and claimed in Redis (the fast
/// lock); then one Postgres transaction debits the balance only if it covers the price, writes the
/// reservation (UNIQUE per seat: the arbiter), the payment and the history row. After commit the hold
/// ends and the queue token is revoked.
/// </summary>
public static class PaymentsEndpoints
{
    /// <summary>Registers the feature's services (none beyond holds and balance).</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services) => services;

    /// <summary>Maps <c>POST /api/payments</c>.</summary>
    public static IEndpointRouteBuilder MapPaymentsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/payments", Pay).WithTags("Payments").RequireAuthorization().WithName("PayHold").WithSummary("Pay a hold with points [active]").WithDescription("Debits the seat's price from the balance and confirms the reservation, in one transaction. 201 with the reservation and the new balance; 402 INSUFFICIENT_BALANCE (the hold is kept: top up and pay again), 410 HOLD_EXPIRED (nothing debited), 404 HOLD_NOT_FOUND, 409 SEAT_ALREADY_SOLD or BOOKING_CLOSED (nothing debited). Once the caller holds no other seat of the concert the queue token ends (EXPIRED).").RequireRateLimiting(RateLimits.Payment)
            .TakesQueuePass(active: true).TakesIdempotencyKey()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .Produces<PaymentConfirmed>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    /// <summary>
    /// <b>[active]</b> Pays the caller's hold. 201 with the reservation; 402 <c>INSUFFICIENT_BALANCE</c> (the hold is kept),
    /// 410 <c>HOLD_EXPIRED</c> (nothing debited), 404 <c>HOLD_NOT_FOUND</c> (unknown, released or someone else's hold),
    /// 409 <c>SEAT_ALREADY_SOLD</c>, 409 <c>BOOKING_CLOSED</c> (the organiser cancelled the show meanwhile; nothing debited); idempotency and queue-token errors as documented on their types.
    /// </summary>
    public static async Task<IResult> Pay(PaymentRequest body, HttpContext http, TicketingDbContext db, HoldStore holds,
        IQueuePassValidator queue, IdempotencyStore idempotency, TimeProvider clock, ILoggerFactory loggers)
    {
        if (body.HoldId is not { } holdId)
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidRequest, "holdId is required");
        }

        var userId = http.User.GetUserId();
        var logger = loggers.CreateLogger(nameof(PaymentsEndpoints));
        return await idempotency.RunAsync(http, userId, IdempotencyStore.Fingerprint("POST /api/payments", holdId), async key =>
        {
            var hold = await holds.FindAsync(holdId);
            if (hold is null || hold.UserId != userId || hold.State == HoldStore.Released)
            {
                return HoldsEndpoints.HoldNotFound();
            }

            var check = await queue.CheckActiveAsync(http, userId, hold.ConcertId);
            if (check.Pass is not { } pass)
            {
                return check.Problem!;
            }

            if (hold.State == HoldStore.Paid)
            {
                return ApiProblems.Conflict(ErrorCodes.SeatAlreadySold, "This hold is already paid", "See GET /api/reservations.");
            }

            if (!await holds.TryClaimForPaymentAsync(hold))
            {
                Count(ErrorCodes.HoldExpired);
                ApiMetrics.HoldsEnded.Add(1, new KeyValuePair<string, object?>("reason", "expired"));
                return ApiProblems.Problem(StatusCodes.Status410Gone, ErrorCodes.HoldExpired, "The hold has expired",
                    "The seat was released before payment; nothing was charged. Hold a seat again.");
            }

            var outcome = await TryPayAsync(db, hold, key, clock);
            if (outcome.Result is not Created<PaymentConfirmed> created)
            {
                Count((outcome.Result as ProblemHttpResult)?.ProblemDetails.Extensions[ApiProblems.CodeKey] as string ?? ErrorCodes.InternalError);
                if (outcome.SeatSold)
                {
                    await holds.MarkPaidAsync(hold);
                }
                else
                {
                    await holds.UnclaimAsync(hold);
                }

                return outcome.Result;
            }

            await holds.MarkPaidAsync(hold);
            Count("succeeded");
            ApiMetrics.HoldsEnded.Add(1, new KeyValuePair<string, object?>("reason", "paid"));
            try
            {
                // The pass ends with the caller's last held seat of the concert, so several held seats can each be paid (the
                // per-user cap allows up to 4). This hold ended before, and the check of the caller's other live holds is one
                // script with the revocation: of payments running at once the last to finish revokes, and a hold taken meanwhile
                // either keeps the pass or is refused for want of it.
                await queue.RevokeUnlessHoldingAsync(pass, HoldKeys.UserConcertHolds(userId, hold.ConcertId));
            }
            catch (Exception ex)
            {
                // The seat is sold and paid (Postgres committed); a token left ACTIVE only runs out by its TTL.
                logger.LogWarning(ex, "Payment {PaymentId} committed but queue token {TokenId} could not be revoked", created.Value!.PaymentId, pass.TokenId);
            }

            logger.LogDebug("Payment {PaymentId}: user {UserId} paid {Amount} points for seat {SeatNumber} of schedule {ScheduleId}",
                created.Value!.PaymentId, userId, created.Value.Amount, hold.SeatNumber, hold.ScheduleId);
            return created;
        });
    }

    private static void Count(string outcome) => ApiMetrics.Payments.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    // Hand-written SQL on the context's connection: the conditional debit and the three rows it pays for are one statement (a
    // data-modifying CTE is atomic, and the foreign keys between its rows are checked when it ends), one round trip where EF Core
    // would need five (README "Schema and migrations"). The reservation's unique index on (schedule, seat) over CONFIRMED rows is the
    // arbiter: a violation undoes the whole statement, so nothing is debited for a seat someone else bought.
    // on_sale: the schedule is not cancelled, read under FOR KEY SHARE. The organiser's cancel of the show takes the row FOR UPDATE
    // first, so the two serialise: a payment that locked first commits before the cancel refunds the show's reservations (and is
    // refunded with them); one that waits reads the row again after the cancel commits, finds it cancelled and debits nothing.
    private const string PaySql = """
        WITH on_sale AS (
            SELECT 1 FROM schedules WHERE id = @ScheduleId AND cancelled_at IS NULL FOR KEY SHARE),
        debit AS (
            UPDATE users SET balance = balance - @Price
            WHERE id = @UserId AND balance >= @Price AND EXISTS (SELECT 1 FROM on_sale) RETURNING balance),
        reservation AS (
            INSERT INTO reservations (id, user_id, schedule_id, seat_number, price, paid_at)
            SELECT @ReservationId, @UserId, @ScheduleId, @SeatNumber, @Price, @PaidAt FROM debit),
        payment AS (
            INSERT INTO payments (id, user_id, reservation_id, hold_id, amount, paid_at)
            SELECT @PaymentId, @UserId, @ReservationId, @HoldId, @Price, @PaidAt FROM debit),
        history AS (
            INSERT INTO balance_history (user_id, kind, amount, balance_after, payment_id, at)
            SELECT @UserId, 'PAYMENT', @Price, balance, @PaymentId, @PaidAt FROM debit)
        SELECT balance FROM debit
        """;

    // Why nothing was debited: the balance, and whether the show was cancelled meanwhile (null balance: no such user).
    private const string RefusalSql = """
        SELECT balance AS Balance, EXISTS (SELECT 1 FROM schedules WHERE id = @ScheduleId AND cancelled_at IS NOT NULL) AS ShowCancelled
        FROM users WHERE id = @UserId
        """;

    private static async Task<(IResult Result, bool SeatSold)> TryPayAsync(TicketingDbContext db, HoldRecord hold, IdempotencyKey? key, TimeProvider clock)
    {
        var paidAt = clock.GetUtcNow();
        var ids = (PaymentId: Guid.CreateVersion7(), ReservationId: Guid.CreateVersion7());
        var args = new { hold.Price, hold.UserId, ids.ReservationId, ids.PaymentId, hold.ScheduleId, hold.SeatNumber, hold.HoldId, PaidAt = paidAt };

        // With an Idempotency-Key its completion commits with the payment (IdempotencyStore): a second statement, one transaction.
        await using var efTransaction = key is null ? null : await db.Database.BeginTransactionAsync();
        var transaction = efTransaction?.GetDbTransaction();
        var connection = db.Database.GetDbConnection();
        long? balance;
        try
        {
            balance = await connection.QuerySingleOrDefaultAsync<long?>(PaySql, args, transaction);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Redis said the hold was ours, yet the seat (or this hold) is already sold: Postgres, the arbiter, says no.
            return (ApiProblems.Conflict(ErrorCodes.SeatAlreadySold, "The seat is already sold", "Nothing was charged."), true);
        }

        if (balance is null)
        {
            var refusal = await connection.QuerySingleOrDefaultAsync<Refusal>(RefusalSql, new { hold.UserId, hold.ScheduleId }, transaction);
            return refusal switch
            {
                null => (BalanceEndpoints.UnknownUser(), false),
                { ShowCancelled: true } => (ApiProblems.Conflict(ErrorCodes.BookingClosed, "The show was cancelled",
                    "The organiser cancelled this show while the payment was under way; nothing was charged."), false),
                _ => (ApiProblems.Problem(StatusCodes.Status402PaymentRequired, ErrorCodes.InsufficientBalance, "Not enough points",
                    $"The seat costs {hold.Price:N0} points and the balance is {refusal.Balance:N0}. The hold is kept until {hold.ExpiresAt:O}: top up and pay again."), false),
            };
        }

        var confirmed = new PaymentConfirmed(ids.PaymentId, ids.ReservationId, hold.Price, paidAt, balance.Value);
        if (key is not null)
        {
            await IdempotencyStore.CompleteAsync(transaction!, key, StatusCodes.Status201Created, confirmed);
            await efTransaction!.CommitAsync();
        }

        return (TypedResults.Created($"/api/reservations/{confirmed.ReservationId}", confirmed), true);
    }

    private sealed class Refusal
    {
        public long Balance { get; init; }

        public bool ShowCancelled { get; init; }
    }
}
