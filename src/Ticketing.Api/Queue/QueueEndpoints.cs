using System.ComponentModel.DataAnnotations;
using Confluent.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Ticketing.Api.Auth;
using Ticketing.Api.Catalog;
using Ticketing.Api.Challenge;
using Ticketing.Api.Infrastructure;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Queue;

/// <summary>Answer of <c>POST /api/concerts/{concertId}/queue</c>.</summary>
/// <param name="QueueToken">The pass to send as <c>X-Queue-Token</c>.</param>
/// <param name="Status"><c>PREQUEUE</c>, <c>WAITING</c>, <c>ACTIVE</c> or <c>EXPIRED</c>.</param>
/// <param name="Position">How many are ahead (0 when PREQUEUE or ACTIVE).</param>
/// <param name="EstimatedWaitSeconds">Seconds until admission (see <see cref="WaitEstimate"/>; 0 unless WAITING).</param>
/// <param name="ActiveUntil">When an ACTIVE token expires without further requests (UTC); null otherwise.</param>
/// <param name="OpensAt">When PREQUEUE: the sale's opening (UTC), when the pre-queue is drawn; null otherwise.</param>
public sealed record JoinQueueResponse(string QueueToken,
    [property: AllowedValues(QueueStatusResponse.PreQueue, QueueStatusResponse.Waiting, QueueStatusResponse.Active, QueueStatusResponse.Expired)] string Status, long Position, long EstimatedWaitSeconds, DateTimeOffset? ActiveUntil,
    DateTimeOffset? OpensAt);

/// <summary>Answer of <c>GET /api/concerts/{concertId}/queue</c>.</summary>
/// <param name="Status"><c>PREQUEUE</c>, <c>WAITING</c>, <c>ACTIVE</c> or <c>EXPIRED</c>.</param>
/// <param name="Position">How many are ahead (0 when PREQUEUE or ACTIVE).</param>
/// <param name="EstimatedWaitSeconds">Seconds until admission (0 unless WAITING).</param>
/// <param name="ActiveUntil">When an ACTIVE token expires without further requests (UTC); null otherwise.</param>
/// <param name="OpensAt">When PREQUEUE: the sale's opening (UTC), when the pre-queue is drawn; null otherwise.</param>
public sealed record QueueStatusResponse(
    [property: AllowedValues(QueueStatusResponse.PreQueue, QueueStatusResponse.Waiting, QueueStatusResponse.Active, QueueStatusResponse.Expired)] string Status, long Position, long EstimatedWaitSeconds, DateTimeOffset? ActiveUntil, DateTimeOffset? OpensAt = null)
{
    /// <summary>
    /// <c>status</c> of a token that joined before the sale opened (API.md "Limits, challenges and the pre-queue"): no position
    /// yet; at <see cref="OpensAt"/> every pre-queued token gets a place of one random draw, ahead of everyone who joins later.
    /// </summary>
    public const string PreQueue = "PREQUEUE";

    /// <summary><c>status</c> of a token in line.</summary>
    public const string Waiting = "WAITING";

    /// <summary><c>status</c> of an admitted token.</summary>
    public const string Active = "ACTIVE";

    /// <summary><c>status</c> of an ended token (abandoned, idle past its active TTL, left, revoked by a payment, or unknown).</summary>
    public const string Expired = "EXPIRED";

    /// <summary>True for <see cref="Active"/> and <see cref="Expired"/>: nothing about the token changes any more in line (not sent).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFinal => Status is Active or Expired;

    /// <summary>
    /// The answer for <paramref name="state"/>: the same on the polling route, the join and the live stream. <paramref name="opensAt"/>
    /// is the sale's opening (<see cref="CatalogSnapshot.SaleOpensAt"/>), said only to a PREQUEUE token.
    /// </summary>
    public static QueueStatusResponse Of(QueueTokenState state, QueueOptions options, DateTimeOffset? opensAt = null) => state.Status switch
    {
        QueueStatus.PreQueue => new(PreQueue, 0, 0, null, opensAt),
        QueueStatus.Waiting => new(Waiting, state.Position,
            WaitEstimate.Seconds(state.Position, options.AdmissionBatchSize, options.AdmissionInterval, state.AdmissionsPerSecond), null),
        QueueStatus.Active => new(Active, 0, 0, state.ActiveUntil),
        _ => new(Expired, 0, 0, null),
    };
}

/// <summary>
/// The per-concert virtual waiting room (API.md "Waiting room"; ARCHITECTURE.md flows 1–2). A join is written
/// to Kafka (the order of the line) and placed in Redis; the QueueWorker admits FIFO batches into the active set.
/// </summary>
public static class QueueEndpoints
{
    /// <summary>Binds and validates <see cref="QueueOptions"/>; registers the store, the tokens, the producer, the [active] gate and the live streams' hub.</summary>
    public static IServiceCollection AddWaitingRoom(this IServiceCollection services)
    {
        services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WaitingRoomStore>();
        services.AddSingleton<QueueTokens>();
        services.AddSingleton<JoinsProducer>();
        services.AddSingleton<QueuePassValidator>();
        services.AddSingleton<IQueuePassValidator>(sp => sp.GetRequiredService<QueuePassValidator>());
        services.AddSingleton<QueueEventsHub>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueEventsHub>());
        return services;
    }

    /// <summary>Maps <c>POST</c>, <c>GET</c> and <c>DELETE /api/concerts/{concertId}/queue</c> and <c>GET …/queue/events</c>.</summary>
    public static IEndpointRouteBuilder MapQueueEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/concerts/{concertId:guid}/queue").WithTags("Waiting room").RequireAuthorization();
        group.MapPost("", Join).WithName("JoinQueue").WithSummary("Join the concert's waiting room (the same token again while it is live)").WithDescription("201 with a new queue token, or 200 with the caller's live token for the concert: one place in line per person. Before the concert's sale opens the token is PREQUEUE (no position; opensAt says when the pre-queue is drawn at random); from then on WAITING in arrival order, until the waiting room admits it (ACTIVE). Send the token as X-Queue-Token. 404 CONCERT_NOT_FOUND; 503 when the join could not be recorded (nothing is kept: retry).").RequireRateLimiting(RateLimits.Join)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireChallenge();
        group.MapGet("", Status).WithName("GetQueueStatus").WithSummary("Status and place in line of a queue token (also its heartbeat)").WithDescription("status, position (how many are ahead), estimatedWaitSeconds, activeUntil and opensAt. Each call keeps the place: a PREQUEUE or WAITING token not polled (nor streamed) for the abandonment timeout (1 min by default) loses it; an ACTIVE token lapses after its inactivity TTL and at most its max lifetime after admission. An ended token answers 200 EXPIRED.").RequireRateLimiting(RateLimits.Poll)
            .TakesQueuePass(active: false)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("/events", Events).WithName("StreamQueueStatus").WithSummary("Live status stream of a queue token (server-sent events)").RequireRateLimiting(RateLimits.Poll)
            .TakesQueuePass(active: false, inQuery: true)
            .WithDescription(
                "A text/event-stream (server-sent events) of the token's state. Each `event: status` carries, in `data`, the JSON of GET "
                + "/api/concerts/{concertId}/queue ({status, position, estimatedWaitSeconds, activeUntil, opensAt}); one comes at once and another "
                + "whenever the state changes, and a `: keep-alive` comment comes every 15 s of quiet. The stream ends after the ACTIVE or "
                + "EXPIRED event. While it is open it keeps the token's place, as polling does. The queue token comes in X-Queue-Token or, for "
                + "a browser's EventSource, in the queueToken query parameter. Token errors come before the stream starts, as problem+json; "
                + "a token that has already ended is 401 QUEUE_TOKEN_EXPIRED (so an EventSource stops instead of reconnecting); a third open "
                + "stream of one token is 409 TOO_MANY_STREAMS.")
            .Produces<QueueStatusResponse>(StatusCodes.Status200OK, QueueEventsResult.ContentType)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The body is a stream of text events, not one JSON document: said as such, with the JSON each event carries named.
                if (operation.Responses?.GetValueOrDefault("200") is Microsoft.OpenApi.OpenApiResponse ok && ok.Content is { } content)
                {
                    ok.Description = "The stream: `event: status` + `data: <the JSON of GET /api/concerts/{concertId}/queue>` at once and on every change; `: keep-alive` comments.";
                    content[QueueEventsResult.ContentType] = new Microsoft.OpenApi.OpenApiMediaType
                    {
                        Schema = new Microsoft.OpenApi.OpenApiSchema
                        {
                            Type = Microsoft.OpenApi.JsonSchemaType.String,
                            Description = "text/event-stream (HTML standard, server-sent events); each event's data is a QueueStatusResponse.",
                        },
                        Example = System.Text.Json.Nodes.JsonValue.Create(
                            "event: status\ndata: {\"status\":\"WAITING\",\"position\":41,\"estimatedWaitSeconds\":5,\"activeUntil\":null,\"opensAt\":null}\n\n: keep-alive\n\n"),
                    };
                }

                return Task.CompletedTask;
            })
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapDelete("", Leave).WithName("LeaveQueue").WithSummary("Leave the line, or give the active place back").WithDescription("204, also when the token had already ended. The place goes to the next person in line.").TakesQueuePass(active: false)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    /// <summary>
    /// Joins the line: 201 with a new token, or 200 with the caller's live (PREQUEUE, WAITING or ACTIVE) token for the
    /// concert — never a second place in line. Before the sale's opening (<see cref="CatalogSnapshot.SaleOpensAt"/>) a new token
    /// is PREQUEUE. 404 <c>CONCERT_NOT_FOUND</c>; 503 <c>SERVICE_UNAVAILABLE</c> when
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
        var opensAt = (await catalog.GetAsync(http.RequestAborted)).SaleOpensAt(concertId);
        var reservation = await store.JoinAsync(concertId, userId, newTokenId, tokens.Issue(newTokenId, userId, concertId, now, opensAt), now,
            options.Value.AbandonAfter, opensAt);

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

        var view = QueueStatusResponse.Of(state, options.Value, opensAt);
        var response = new JoinQueueResponse(reservation.Token, view.Status, view.Position, view.EstimatedWaitSeconds, view.ActiveUntil, view.OpensAt);
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
        Guid concertId, HttpContext http, QueuePassValidator validator, WaitingRoomStore store, CatalogCache catalog, IOptions<QueueOptions> options,
        TimeProvider clock)
    {
        var (pass, problem) = await validator.ReadAsync(http, http.User.GetUserId(), concertId);
        if (problem is not null)
        {
            return problem;
        }

        var state = await store.StatusAsync(concertId, pass!.TokenId, clock.GetUtcNow(), options.Value, touch: true);
        var opensAt = state.Status == QueueStatus.PreQueue ? (await catalog.GetAsync(http.RequestAborted)).SaleOpensAt(concertId) : null;
        return TypedResults.Ok(QueueStatusResponse.Of(state, options.Value, opensAt));
    }

    /// <summary>
    /// Opens the token's live status stream (<see cref="QueueEventsResult"/>). Before the stream starts: 401 <c>QUEUE_TOKEN_INVALID</c>,
    /// 401 <c>QUEUE_TOKEN_EXPIRED</c> (past its <c>exp</c>, or already ended: unlike the polling route's 200 <c>EXPIRED</c>, since a
    /// stream that could only say EXPIRED and close would make an <c>EventSource</c> reconnect for ever), 403
    /// <c>QUEUE_TOKEN_WRONG_CONCERT</c>; 503 when Redis does not answer the first read.
    /// </summary>
    public static async Task<Results<QueueEventsResult, ProblemHttpResult>> Events(Guid concertId, HttpContext http, QueuePassValidator validator, QueueEventsHub hub)
    {
        var (pass, problem) = await validator.ReadAsync(http, http.User.GetUserId(), concertId, allowQuery: true);
        if (problem is not null)
        {
            return problem;
        }

        if (hub.Open(concertId, pass!.TokenId) is not { } stream)
        {
            return ApiProblems.Conflict(ErrorCodes.TooManyStreams, "Too many live streams for this pass",
                "Close another tab's waiting room, or poll GET /api/concerts/{concertId}/queue instead.");
        }

        try
        {
            var first = await stream.FirstAsync(http.RequestAborted);
            if (first.Status == QueueStatusResponse.Expired)
            {
                stream.Dispose();
                return QueuePassValidator.Expired();
            }

            return new QueueEventsResult(stream, first);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
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
}
