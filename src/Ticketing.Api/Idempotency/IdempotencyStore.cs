using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Data.Common;
using Dapper;
using Microsoft.EntityFrameworkCore;
using Ticketing.Api.Data;
using Ticketing.Api.Infrastructure;

namespace Ticketing.Api.Idempotency;

/// <summary>The caller's idempotency key for one request, once this request owns it.</summary>
/// <param name="UserId">The caller (keys are per user).</param>
/// <param name="Key">The client's <c>Idempotency-Key</c>, 1–255 characters.</param>
public sealed record IdempotencyKey(Guid UserId, string Key);

/// <summary>What <see cref="IdempotencyStore.BeginAsync"/> decided.</summary>
/// <param name="Key">The key this request now owns (null when the request carried none: run it plainly).</param>
/// <param name="EarlyResult">Set when the request must not run: the stored first response (replay), 409 in flight, 422 reused, 400 malformed key.</param>
public readonly record struct IdempotencyBegin(IdempotencyKey? Key, IResult? EarlyResult);

/// <summary>
/// <c>Idempotency-Key</c> handling for charges and payments (API.md "Idempotency"; the Stripe/pretix model).
/// The key row is inserted before the effect runs (in flight); the effect's own Postgres transaction
/// completes it with the response (<see cref="CompleteAsync"/>), so a stored response exists exactly when
/// the effect committed. A request that fails without an effect releases the key, so the client may
/// retry with it. Repeats: same body → the first response (status and body) again; different body → 422
/// <c>IDEMPOTENCY_KEY_REUSED</c>; while the first still runs → 409 <c>IDEMPOTENCY_KEY_IN_FLIGHT</c>.
/// Responses are kept 24 h. An in-flight key left by a crashed process is taken over after 1 minute. Scoped: its SQL runs
/// on the request's <see cref="TicketingDbContext"/> connection (hand-written, as the hot paths it serves).
/// </summary>
public sealed class IdempotencyStore(TicketingDbContext db)
{
    /// <summary>The request header.</summary>
    public const string HeaderName = "Idempotency-Key";

    /// <summary>Longest accepted key, in characters (API.md).</summary>
    public const int MaxKeyLength = 255;

    /// <summary>How long a stored response is replayed.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>After this long an unfinished key is presumed abandoned by a crashed request.</summary>
    public static readonly TimeSpan InFlightTimeout = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Reads the header and claims the key for this request. <paramref name="fingerprint"/> identifies the
    /// operation and its body (see <see cref="Fingerprint"/>).
    /// </summary>
    public async Task<IdempotencyBegin> BeginAsync(HttpContext http, Guid userId, string fingerprint)
    {
        if (!http.Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return new(null, null);
        }

        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > MaxKeyLength)
        {
            return new(null, ApiProblems.BadRequest(ErrorCodes.InvalidIdempotencyKey, "The Idempotency-Key header is invalid",
                $"Send one key of 1 to {MaxKeyLength} characters."));
        }

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                // Expired rows are replaced in place; otherwise the first request to insert the key owns it.
                var claimed = await connection.ExecuteAsync("""
                    INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES (@userId, @key, @fingerprint)
                    ON CONFLICT (user_id, key) DO UPDATE
                        SET request_hash = EXCLUDED.request_hash, status_code = NULL, response_body = NULL, created_at = now(), completed_at = NULL
                        WHERE idempotency_keys.created_at < now() - @retention
                           OR (idempotency_keys.completed_at IS NULL AND idempotency_keys.created_at < now() - @inFlightTimeout
                               AND idempotency_keys.request_hash = EXCLUDED.request_hash)
                    """, new { userId, key, fingerprint, retention = Retention, inFlightTimeout = InFlightTimeout });
                if (claimed == 1)
                {
                    return new(new IdempotencyKey(userId, key), null);
                }

                var existing = await connection.QuerySingleOrDefaultAsync<StoredKey>(
                    "SELECT request_hash AS RequestHash, status_code AS StatusCode, response_body AS ResponseBody FROM idempotency_keys WHERE user_id = @userId AND key = @key",
                    new { userId, key });
                if (existing is null)
                {
                    continue; // Released between our insert and our read: try again.
                }

                if (existing.RequestHash != fingerprint)
                {
                    return new(null, ApiProblems.Problem(StatusCodes.Status422UnprocessableEntity, ErrorCodes.IdempotencyKeyReused,
                        "This Idempotency-Key was used for a different request", "Use a new key for a new request."));
                }

                return existing.StatusCode is { } status
                    ? new(null, Results.Text(existing.ResponseBody, "application/json", Encoding.UTF8, status))
                    : new(null, ApiProblems.Conflict(ErrorCodes.IdempotencyKeyInFlight, "A request with this Idempotency-Key is still running",
                        "Retry in a moment to get its response."));
            }

            return new(null, ApiProblems.Conflict(ErrorCodes.IdempotencyKeyInFlight, "A request with this Idempotency-Key is still running"));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> under the request's idempotency key (or plainly, without one). The operation
    /// gets the key it owns and must call <see cref="CompleteAsync"/> inside its effect's transaction; whatever does
    /// not end in a 2xx releases the key (a completed key is never released).
    /// </summary>
    public async Task<IResult> RunAsync(HttpContext http, Guid userId, string fingerprint, Func<IdempotencyKey?, Task<IResult>> operation)
    {
        var begin = await BeginAsync(http, userId, fingerprint);
        if (begin.EarlyResult is not null)
        {
            return begin.EarlyResult;
        }

        var succeeded = false;
        try
        {
            var result = await operation(begin.Key);
            succeeded = result is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 };
            return result;
        }
        finally
        {
            if (!succeeded && begin.Key is { } key)
            {
                await ReleaseAsync(key);
            }
        }
    }

    /// <summary>
    /// Stores the response of a request whose effect commits in <paramref name="transaction"/>; call it inside that
    /// transaction, so the key is completed if and only if the effect commits.
    /// </summary>
    public static Task CompleteAsync(DbTransaction transaction, IdempotencyKey key, int statusCode, object response) =>
        transaction.Connection!.ExecuteAsync("""
            UPDATE idempotency_keys SET status_code = @statusCode, response_body = @body, completed_at = now()
            WHERE user_id = @UserId AND key = @Key
            """, new { key.UserId, key.Key, statusCode, body = JsonSerializer.Serialize(response, ApiJson.Options) }, transaction);

    /// <summary>Frees a key whose request ended without an effect, so the client can retry with it.</summary>
    public async Task ReleaseAsync(IdempotencyKey key)
    {
        await db.Database.GetDbConnection().ExecuteAsync("DELETE FROM idempotency_keys WHERE user_id = @UserId AND key = @Key AND completed_at IS NULL", key);
    }

    /// <summary>A stable SHA-256 (hex) of the operation and its meaningful body fields, e.g. <c>Fingerprint("POST /api/payments", holdId)</c>.</summary>
    public static string Fingerprint(string operation, params object[] parts) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(operation + "\n" + string.Join("\n", parts))));

    private sealed class StoredKey
    {
        public string RequestHash { get; init; } = "";

        public int? StatusCode { get; init; }

        public string? ResponseBody { get; init; }
    }
}
