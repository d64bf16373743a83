using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Ticketing.Api.Infrastructure;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Queue;

/// <summary>
/// The <b>[active]</b> gate (API.md "Who is calling") over <see cref="QueueTokens"/> and <see cref="WaitingRoomStore"/>.
/// Each passing request counts as activity: the token's active TTL starts again.
/// </summary>
public sealed class QueuePassValidator(QueueTokens tokens, WaitingRoomStore store, IOptions<QueueOptions> options, TimeProvider clock) : IQueuePassValidator
{
    /// <inheritdoc />
    public async Task<QueuePassCheck> CheckActiveAsync(HttpContext http, Guid userId, Guid concertId)
    {
        var (pass, problem) = await ReadAsync(http, userId, concertId);
        if (problem is not null)
        {
            return new QueuePassCheck(null, problem);
        }

        var state = await store.StatusAsync(concertId, pass!.TokenId, clock.GetUtcNow(), options.Value, touch: true);
        return state.Status switch
        {
            QueueStatus.Active => new QueuePassCheck(pass, null),
            QueueStatus.Waiting => new QueuePassCheck(null, ApiProblems.Problem(StatusCodes.Status403Forbidden, ErrorCodes.QueueTokenNotActive,
                "Still in the waiting room", $"{state.Position} ahead of you; poll GET /api/concerts/{concertId}/queue until ACTIVE.")),
            QueueStatus.PreQueue => new QueuePassCheck(null, ApiProblems.Problem(StatusCodes.Status403Forbidden, ErrorCodes.QueueTokenNotActive,
                "In the pre-queue", $"The sale has not opened; poll GET /api/concerts/{concertId}/queue until ACTIVE.")),
            _ => new QueuePassCheck(null, Expired()),
        };
    }

    /// <inheritdoc />
    public Task<bool> RevokeUnlessHoldingAsync(QueuePass pass, string liveHolds) =>
        store.RevokeUnlessLiveAsync(pass.ConcertId, pass.UserId, pass.TokenId, liveHolds, clock.GetUtcNow());

    /// <summary>
    /// Reads the caller's <c>X-Queue-Token</c> for <paramref name="concertId"/> without touching its state:
    /// 401 <c>QUEUE_TOKEN_INVALID</c> (missing, forged, another user's), 401 <c>QUEUE_TOKEN_EXPIRED</c> (past its <c>exp</c>),
    /// 403 <c>QUEUE_TOKEN_WRONG_CONCERT</c> (the caller's token for another concert). With <paramref name="allowQuery"/> (the live
    /// stream only: a browser's <c>EventSource</c> cannot set headers) a request without the header may carry the token as the
    /// query parameter <see cref="IQueuePassValidator.QueryParameterName"/>; the header wins when both are sent.
    /// </summary>
    public async Task<(QueuePass? Pass, ProblemHttpResult? Problem)> ReadAsync(HttpContext http, Guid userId, Guid concertId, bool allowQuery = false)
    {
        var token = http.Request.Headers[IQueuePassValidator.HeaderName].ToString();
        if (allowQuery && string.IsNullOrEmpty(token))
        {
            token = http.Request.Query[IQueuePassValidator.QueryParameterName].ToString();
        }

        var (status, pass) = await tokens.ReadAsync(token);
        if (status == QueueTokenReadStatus.Expired)
        {
            return (null, Expired());
        }

        if (pass is null || pass.UserId != userId)
        {
            return (null, ApiProblems.Problem(StatusCodes.Status401Unauthorized, ErrorCodes.QueueTokenInvalid, "Queue token is missing or invalid",
                $"Send your own '{IQueuePassValidator.HeaderName}' from POST /api/concerts/{concertId}/queue."));
        }

        if (pass.ConcertId != concertId)
        {
            return (null, ApiProblems.Problem(StatusCodes.Status403Forbidden, ErrorCodes.QueueTokenWrongConcert, "Queue token is for another concert",
                $"Join the waiting room of concert {concertId} for a token of its own."));
        }

        return (pass, null);
    }

    /// <summary>401 <c>QUEUE_TOKEN_EXPIRED</c>: the token was abandoned, ran out, was left or was revoked by a payment.</summary>
    public static ProblemHttpResult Expired() => ApiProblems.Problem(StatusCodes.Status401Unauthorized, ErrorCodes.QueueTokenExpired,
        "Queue token has expired", "It was abandoned, inactive for too long, left or used for a payment; join the waiting room again.");
}
