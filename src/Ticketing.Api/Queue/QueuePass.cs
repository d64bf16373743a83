using Microsoft.AspNetCore.Http.HttpResults;

namespace Ticketing.Api.Queue;

/// <summary>A validated, ACTIVE waiting-room pass: the queue token <paramref name="TokenId"/> (its <c>jti</c>) of <paramref name="UserId"/> for <paramref name="ConcertId"/>.</summary>
/// <param name="TokenId">The queue token's id.</param>
/// <param name="UserId">The caller it belongs to.</param>
/// <param name="ConcertId">The concert whose waiting room issued it.</param>
public sealed record QueuePass(Guid TokenId, Guid UserId, Guid ConcertId);

/// <summary>The outcome of checking an <c>X-Queue-Token</c>: a pass, or the problem to answer with.</summary>
/// <param name="Pass">Set when the token is valid, the caller's, for the concert, and ACTIVE.</param>
/// <param name="Problem">Set otherwise: 401 <c>QUEUE_TOKEN_INVALID</c>/<c>QUEUE_TOKEN_EXPIRED</c>, 403 <c>QUEUE_TOKEN_NOT_ACTIVE</c>/<c>QUEUE_TOKEN_WRONG_CONCERT</c>.</param>
public readonly record struct QueuePassCheck(QueuePass? Pass, ProblemHttpResult? Problem);

/// <summary>
/// The gate of the routes marked <b>[active]</b> in API.md: checks the <c>X-Queue-Token</c> header and,
/// when it passes, counts the request as activity (the ACTIVE token's inactivity TTL starts again).
/// </summary>
public interface IQueuePassValidator
{
    /// <summary>Header that carries the queue token.</summary>
    const string HeaderName = "X-Queue-Token";

    /// <summary>
    /// Query parameter that may carry the queue token on <c>GET /api/concerts/{concertId}/queue/events</c> only, for clients that
    /// cannot set headers (a browser's <c>EventSource</c>). A URL ends up in access logs and browser history, so every other
    /// route takes the header only.
    /// </summary>
    const string QueryParameterName = "queueToken";

    /// <summary>
    /// Checks the caller's <c>X-Queue-Token</c> for <paramref name="concertId"/>. Missing, malformed, forged
    /// or another user's token → 401 <c>QUEUE_TOKEN_INVALID</c>; WAITING → 403 <c>QUEUE_TOKEN_NOT_ACTIVE</c>;
    /// expired, abandoned or revoked → 401 <c>QUEUE_TOKEN_EXPIRED</c>; another concert's → 403
    /// <c>QUEUE_TOKEN_WRONG_CONCERT</c>. On success the active TTL is refreshed.
    /// </summary>
    Task<QueuePassCheck> CheckActiveAsync(HttpContext http, Guid userId, Guid concertId);

    /// <summary>
    /// Revokes the pass after a successful payment (status becomes EXPIRED, its active slot is freed at once) unless
    /// <paramref name="liveHolds"/> (the caller's live holds of the concert, scored by expiry) still has one; atomic with that
    /// check. Returns true when revoked.
    /// </summary>
    Task<bool> RevokeUnlessHoldingAsync(QueuePass pass, string liveHolds);
}
