using Confluent.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Ticketing.Api.Auth;
using Ticketing.Api.Catalog;
using Ticketing.Api.Infrastructure;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Queue;

/// <summary>Answer of <c>POST /api/concerts/{concertId}/queue</c>.</summary>
/// <param name="QueueToken">The pass to send as <c>X-Queue-Token</c>.</param>
/// <param name="Status"><c>WAITING</c>, <c>ACTIVE</c> or <c>EXPIRED</c>.</param>
/// <param name="Position">How many are ahead (0 when ACTIVE).</param>
/// <param name="EstimatedWaitSeconds">Seconds until admission (see <see cref="WaitEstimate"/>; 0 unless WAITING).</param>
/// <param name="ActiveUntil">When an ACTIVE token expires without further requests (UTC); null otherwise.</param>
public sealed record JoinQueueResponse(string QueueToken, string Status, long Position, long EstimatedWaitSeconds, DateTimeOffset? ActiveUntil);

/// <summary>Answer of <c>GET /api/concerts/{concertId}/queue</c>.</summary>
/// <param name="Status"><c>WAITING</c>, <c>ACTIVE</c> or <c>EXPIRED</c>.</param>
/// <param name="Position">How many are ahead (0 when ACTIVE).</param>
/// <param name="EstimatedWaitSeconds">Seconds until admission (0 unless WAITING).</param>
/// <param name="ActiveUntil">When an ACTIVE token expires without further requests (UTC); null otherwise.</param>
public sealed record QueueStatusResponse(string Status, long Position, long EstimatedWaitSeconds, DateTimeOffset? ActiveUntil);

/// <summary>
/// The per-concert virtual waiting room (API.md "Waiting room"; ARCHITECTURE.md flows 1–2). A join is written
/// to Kafka (the order of the line) and placed in Redis; the QueueWorker admits FIFO batches into the active set.
/// </summary>
public static class QueueEndpoints
{
    /// <summary>Binds and validates <see cref="QueueOptions"/>; registers the store, the tokens, the producer and the [active] gate.</summary>
    public static IServiceCollection AddWaitingRoom(this IServiceCollection services)
    {
        services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WaitingRoomStore>();
        services.AddSingleton<QueueTokens>();
        services.AddSingleton<JoinsProducer>();
        services.AddSingleton<QueuePassValidator>();
        services.AddSingleton<IQueuePassValidator>(sp => sp.GetRequiredService<QueuePassValidator>());
        return services;
    }

    /// <summary>Maps <c>POST</c>, <c>GET</c> and <c>DELETE /api/concerts/{concertId}/queue</c>.</summary>
    public static IEndpointRouteBuilder MapQueueEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/concerts/{concertId:guid}/queue").WithTags("Waiting room").RequireAuthorization();
        group.MapPost("/", Join).WithSummary("Join the concert's waiting room (same token again while it is live)")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/", Status).WithSummary("Position, status and heartbeat of a queue token")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapDelete("/", Leave).WithSummary("Leave the line or give the active slot back")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    /// <summary>
    /// Joins the line: 201 with a new token, or 200 with the caller's live (WAITING or ACTIVE) token for the
    /// concert — never a second place in line. 404 <c>CONCERT_NOT_FOUND</c>; 503 <c>SERVICE_UNAVAILABLE</c> when
    /// Kafka does not take the join (nothing is kept; retry).
    /// </summary>
    public static async Task<Results<Created<JoinQueueResponse>, Ok<JoinQueueResponse>, ProblemHttpResult>> Join(
        Guid concertId, HttpContext http, CatalogCache catalog, WaitingRoomStore store, QueueTokens tokens, JoinsProducer producer,
        IOptions<QueueOptions> options, TimeProvider clock, ILoggerFactory loggers)
    {
        if (!await catalog.HasConcertAsync(concertId, http.RequestAborted))
        {
            return ApiProblems.NotFound(ErrorCodes.ConcertNotFound, "No such concert");
        }

        var logger = loggers.CreateLogger(nameof(QueueEndpoints));
        var userId = http.User.GetUserId();
        var now = clock.GetUtcNow();
        var newTokenId = Guid.NewGuid();
        var reservation = await store.JoinAsync(concertId, userId, newTokenId, tokens.Issue(newTokenId, userId, concertId, now), now, options.Value.AbandonAfter);

        QueueTokenState state;
        if (reservation.Created)
        {
            try
            {
                // Not bound to RequestAborted: once the join is on its way to Kafka it is finished either way. Concurrent joins share
                // the producer's batches (linger.ms), so each request waits for its own acknowledgement without serialising the others.
                var offset = await producer.ProduceAsync(new JoinMessage(reservation.TokenId, userId, concertId, now), CancellationToken.None);
                state = await store.EnqueueAsync(concertId, reservation.TokenId, offset, clock.GetUtcNow(), options.Value);
                QueueMetrics.Joins.Add(1);
                logger.LogDebug("Join {TokenId}: user {UserId} in line for concert {ConcertId} at offset {Offset}",
                    reservation.TokenId, userId, concertId, offset);
            }
            catch (KafkaException ex)
            {
                await store.AbortAsync(concertId, userId, reservation.TokenId);
                logger.LogError(ex, "Join of user {UserId} for concert {ConcertId} failed: Kafka did not take it", userId, concertId);
                return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
                    "The waiting room is unavailable", "Your join was not recorded; try again in a moment.");
            }
        }
        else
        {
            state = await store.StatusAsync(concertId, reservation.TokenId, clock.GetUtcNow(), options.Value, touch: true);
        }

        var view = View(state, options.Value);
        var response = new JoinQueueResponse(reservation.Token, view.Status, view.Position, view.EstimatedWaitSeconds, view.ActiveUntil);
        return reservation.Created
            ? TypedResults.Created($"/api/concerts/{concertId}/queue", response)
            : TypedResults.Ok(response);
    }

    /// <summary>
    /// The token's status, position and estimated wait; also its heartbeat (a WAITING token not polled for
    /// <see cref="QueueOptions.AbandonAfter"/> loses its place). An ended token answers 200 with <c>EXPIRED</c>.
    /// 401 <c>QUEUE_TOKEN_INVALID</c>/<c>QUEUE_TOKEN_EXPIRED</c>, 403 <c>QUEUE_TOKEN_WRONG_CONCERT</c>.
    /// </summary>
    public static async Task<Results<Ok<QueueStatusResponse>, ProblemHttpResult>> Status(
        Guid concertId, HttpContext http, QueuePassValidator validator, WaitingRoomStore store, IOptions<QueueOptions> options, TimeProvider clock)
    {
        var (pass, problem) = await validator.ReadAsync(http, http.User.GetUserId(), concertId);
        if (problem is not null)
        {
            return problem;
        }

        var state = await store.StatusAsync(concertId, pass!.TokenId, clock.GetUtcNow(), options.Value, touch: true);
        return TypedResults.Ok(View(state, options.Value));
    }

    /// <summary>Leaves the line, or gives the active slot back to the next in line. 204, also when the token had already ended.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Leave(Guid concertId, HttpContext http, QueuePassValidator validator, WaitingRoomStore store)
    {
        var (pass, problem) = await validator.ReadAsync(http, http.User.GetUserId(), concertId);
        if (problem is not null)
        {
            return problem;
        }

        await store.LeaveAsync(concertId, pass!.UserId, pass.TokenId);
        return TypedResults.NoContent();
    }

    private static QueueStatusResponse View(QueueTokenState state, QueueOptions options) => state.Status switch
    {
        QueueStatus.Waiting => new("WAITING", state.Position,
            WaitEstimate.Seconds(state.Position, options.AdmissionBatchSize, options.AdmissionInterval, state.AdmissionsPerSecond), null),
        QueueStatus.Active => new("ACTIVE", 0, 0, state.ActiveUntil),
        _ => new("EXPIRED", 0, 0, null),
    };
}
