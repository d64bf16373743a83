using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Ticketing.Api.Auth;
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
        services.AddSingleton<IdempotencyStore>();
        return services;
    }

    /// <summary>Maps the balance routes.</summary>
    public static IEndpointRouteBuilder MapBalanceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/balance").WithTags("Balance").RequireAuthorization();
        group.MapGet("/", Get).WithSummary("Current balance");
        group.MapPost("/charges", Charge).WithSummary("Top up points")
            .Produces<BalanceView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/history", History).WithSummary("Balance history, newest first").ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    /// <summary>The caller's balance in points.</summary>
    public static async Task<Results<Ok<BalanceView>, ProblemHttpResult>> Get(HttpContext http, NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        var balance = await connection.QuerySingleOrDefaultAsync<long?>("SELECT balance FROM users WHERE id = @userId", new { userId = http.User.GetUserId() });
        return balance is { } value ? TypedResults.Ok(new BalanceView(value)) : UnknownUser();
    }

    /// <summary>
    /// Adds <c>amount</c> points (optionally under an <c>Idempotency-Key</c>) and writes a CHARGE history row, atomically.
    /// 400 <c>INVALID_AMOUNT</c> when amount is missing, ≤ 0, above the per-charge maximum, or would overflow the balance.
    /// </summary>
    public static async Task<IResult> Charge(ChargeRequest body, HttpContext http, NpgsqlDataSource db, IdempotencyStore idempotency,
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
                await using var connection = await db.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                var balance = await connection.QuerySingleOrDefaultAsync<long?>(
                    "UPDATE users SET balance = balance + @amount WHERE id = @userId RETURNING balance", new { amount, userId }, transaction);
                if (balance is null)
                {
                    return UnknownUser();
                }

                await connection.ExecuteAsync(
                    "INSERT INTO balance_history (user_id, kind, amount, balance_after) VALUES (@userId, 'CHARGE', @amount, @balance)",
                    new { userId, amount, balance }, transaction);
                var view = new BalanceView(balance.Value);
                if (key is not null)
                {
                    await IdempotencyStore.CompleteAsync(transaction, key, StatusCodes.Status200OK, view);
                }

                await transaction.CommitAsync();
                loggers.CreateLogger(nameof(BalanceEndpoints)).LogInformation("User {UserId} charged {Amount} points; balance {Balance}", userId, amount, balance);
                return TypedResults.Ok(view);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.NumericValueOutOfRange)
            {
                return ApiProblems.BadRequest(ErrorCodes.InvalidAmount, "The balance would exceed its maximum");
            }
        });
    }

    /// <summary>The caller's balance changes, newest first; <c>limit</c> 1..1000 (default 100).</summary>
    public static async Task<Results<Ok<BalanceHistoryEntry[]>, ProblemHttpResult>> History(HttpContext http, NpgsqlDataSource db, int? limit)
    {
        if (limit is < 1 or > MaxHistoryLimit)
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidRequest, "limit is out of range", $"Use 1 to {MaxHistoryLimit}.");
        }

        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<BalanceHistoryEntry>("""
            SELECT kind, amount, balance_after AS BalanceAfter, at FROM balance_history
            WHERE user_id = @userId ORDER BY id DESC LIMIT @limit
            """, new { userId = http.User.GetUserId(), limit = limit ?? 100 });
        return TypedResults.Ok(rows.ToArray());
    }

    /// <summary>
    /// The access token is well signed but names no user (e.g. the database was reset): 401, so the client signs in again.
    /// </summary>
    public static ProblemHttpResult UnknownUser() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "Sign in again", "The account of this access token does not exist.");
}
