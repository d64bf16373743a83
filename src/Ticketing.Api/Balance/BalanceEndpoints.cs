using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Ticketing.Api.Auth;
using Ticketing.Api.Data;
using Ticketing.Api.Idempotency;
using Ticketing.Api.Infrastructure;

namespace Ticketing.Api.Balance;

/// <summary>Answer of <c>GET /api/balance</c> and <c>POST /api/balance/charges</c>.</summary>
/// <param name="Balance">Points, never negative.</param>
public sealed record BalanceView(long Balance);

/// <summary>Body of <c>POST /api/balance/charges</c>.</summary>
/// <param name="Amount">Points to add: 1 to <see cref="BalanceOptions.MaxChargeAmount"/>, a whole number (fractions are refused by the amount rule).</param>
public sealed record ChargeRequest([property: System.Text.Json.Serialization.JsonConverter(typeof(PointsAmountConverter))] long? Amount);

/// <summary>A row of <c>GET /api/balance/history</c>.</summary>
public sealed class BalanceHistoryEntry
{
    /// <summary><c>CHARGE</c>, <c>PAYMENT</c> or <c>REFUND</c>.</summary>
    [AllowedValues("CHARGE", "PAYMENT", "REFUND")]
    public string Kind { get; init; } = "";

    /// <summary>Points moved, always positive; the kind says the direction.</summary>
    public long Amount { get; init; }

    /// <summary>The balance right after this entry, in points.</summary>
    public long BalanceAfter { get; init; }

    /// <summary>When (UTC).</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>The point balance (API.md "Balance"). Every change is one Postgres transaction with its history row.</summary>
public static class BalanceEndpoints
{
    /// <summary>Most history rows one call returns.</summary>
    public const int MaxHistoryLimit = 1000;

    /// <summary>Binds and validates <see cref="BalanceOptions"/>; registers the idempotency store.</summary>
    public static IServiceCollection AddBalance(this IServiceCollection services)
    {
        services.AddOptions<BalanceOptions>().BindConfiguration(BalanceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<IdempotencyStore>();
        return services;
    }

    /// <summary>Maps the balance routes.</summary>
    public static IEndpointRouteBuilder MapBalanceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/balance").WithTags("Balance").RequireAuthorization();
        group.MapGet("", Get).WithName("GetBalance").WithSummary("Current balance in points").WithDescription("The caller's balance, in points.");
        group.MapPost("/charges", Charge).WithName("TopUpBalance").WithSummary("Top up points").WithDescription("Adds amount points and writes a CHARGE history row, atomically; 200 with the new balance. 400 INVALID_AMOUNT unless amount is a whole number from 1 to the maximum (10,000,000 by default).").RequireRateLimiting(RateLimits.Charge).TakesIdempotencyKey()
            .Produces<BalanceView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/history", History).WithName("ListBalanceHistory").WithSummary("Balance history, newest first").WithDescription("The caller's CHARGE, PAYMENT and REFUND rows, newest first; limit 1–1000 (default 100), else 400 INVALID_REQUEST.").ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    /// <summary>The caller's balance in points.</summary>
    public static async Task<Results<Ok<BalanceView>, ProblemHttpResult>> Get(HttpContext http, TicketingDbContext db)
    {
        var userId = http.User.GetUserId();
        var balance = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => (long?)u.Balance).SingleOrDefaultAsync();
        return balance is { } value ? TypedResults.Ok(new BalanceView(value)) : UnknownUser();
    }

    /// <summary>
    /// Adds <c>amount</c> points (optionally under an <c>Idempotency-Key</c>) and writes a CHARGE history row, atomically.
    /// 400 <c>INVALID_AMOUNT</c> when amount is missing, ≤ 0, above the per-charge maximum, or would overflow the balance.
    /// </summary>
    public static async Task<IResult> Charge(ChargeRequest body, HttpContext http, TicketingDbContext db, IdempotencyStore idempotency,
        IOptions<BalanceOptions> options, ILoggerFactory loggers)
    {
        var max = options.Value.MaxChargeAmount;
        if (!BalanceRules.IsValidChargeAmount(body.Amount, max) || body.Amount is not { } amount)
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidAmount, "The amount is not valid", $"Charge a whole number of points from 1 to {max:N0}.");
        }

        var userId = http.User.GetUserId();
        return await idempotency.RunAsync(http, userId, IdempotencyStore.Fingerprint("POST /api/balance/charges", amount), async key =>
        {
            try
            {
                var balance = await BalanceLedger.ChargeAsync(db, userId, amount, key);
                if (balance is null)
                {
                    return UnknownUser();
                }

                var view = new BalanceView(balance.Value);
                // Debug, like every per-request line of the crowd paths (the payment's too): the CHARGE history row is the record, and
                // at Information each charge cost the dashboard's log ingestion 120–240 µs of CPU (./bench.sh, "other" column).
                loggers.CreateLogger(nameof(BalanceEndpoints)).LogDebug("User {UserId} charged {Amount} points; balance {Balance}", userId, amount, balance);
                return TypedResults.Ok(view);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.NumericValueOutOfRange)
            {
                return ApiProblems.BadRequest(ErrorCodes.InvalidAmount, "The balance would exceed its maximum");
            }
        });
    }

    /// <summary>The caller's balance changes, newest first; <c>limit</c> 1..1000 (default 100).</summary>
    public static async Task<Results<Ok<BalanceHistoryEntry[]>, ProblemHttpResult>> History(HttpContext http, TicketingDbContext db, int? limit)
    {
        if (limit is < 1 or > MaxHistoryLimit)
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidRequest, "limit is out of range", $"Use 1 to {MaxHistoryLimit}.");
        }

        var userId = http.User.GetUserId();
        var rows = await db.BalanceHistory.AsNoTracking()
            .Where(h => h.UserId == userId)
            .OrderByDescending(h => h.Id)
            .Take(limit ?? 100)
            .Select(h => new BalanceHistoryEntry { Kind = h.Kind, Amount = h.Amount, BalanceAfter = h.BalanceAfter, At = h.At })
            .ToArrayAsync();
        return TypedResults.Ok(rows);
    }

    /// <summary>
    /// The access token is well signed but names no user (e.g. the database was reset): 401, so the client signs in again.
    /// </summary>
    public static ProblemHttpResult UnknownUser() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "Sign in again", "The account of this access token does not exist.");
}
