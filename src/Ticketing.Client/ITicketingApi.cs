using Refit;

namespace Ticketing.Client;

/// <summary>
/// The whole HTTP contract of Ticketing.Api (shared/API.md) as one Refit interface. Every method answers an
/// <see cref="IApiResponse{T}"/>: 4xx/5xx and an unreachable Api never throw; read the RFC 9457 problem with
/// <see cref="ApiProblemExtensions.Problem"/>. The caller's tokens are not parameters: <c>Authorization: Bearer</c> (routes marked
/// "user") and <c>X-Queue-Token</c> (routes marked [active] and the queue routes) are attached by a
/// <see cref="DelegatingHandler"/> of the caller (see <see cref="TicketingApiClient.AddTicketingApiClient"/>).
/// </summary>
/// <remarks>
/// Not a method here: <c>GET /api/concerts/{concertId}/queue/events</c>, the server-sent status stream
/// (<see cref="ApiContract.QueueEvents"/>). Every method of this interface answers a whole, buffered <see cref="IApiResponse{T}"/>,
/// and the client it is registered on carries the standard resilience handler (retries, 30 s in all), which would cut a stream
/// that stays open for minutes. A stream is read with a plain <see cref="HttpClient"/> without that handler,
/// <see cref="HttpCompletionOption.ResponseHeadersRead"/> and no timeout (the Web's <c>QueueEventsRelay</c>; the integration
/// tests' <c>EventStream</c>).
/// </remarks>
public interface ITicketingApi
{
    /// <summary>
    /// <c>POST /api/users</c> (anonymous): creates a user with a zero balance. 201; 400 <c>INVALID_NAME</c>/<c>WEAK_PASSWORD</c>,
    /// 409 <c>NAME_TAKEN</c> (names are unique whatever their case). While the join challenge is on, <paramref name="challengeSolution"/>
    /// (<see cref="AltchaChallenge.SolutionHeader"/>) is needed: 403 <c>CHALLENGE_REQUIRED</c> without, <c>CHALLENGE_INVALID</c> when
    /// wrong, expired or already used; a refused request writes nothing.
    /// </summary>
    [Post("/api/users")]
    Task<IApiResponse<CreatedUser>> SignUpAsync([Body] Credentials credentials,
        [Header(ApiContract.Headers.ChallengeSolution)] string? challengeSolution = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/auth/token</c> (anonymous): an access token. 200; 401 <c>BAD_CREDENTIALS</c> whichever of name or password is wrong.</summary>
    [Post("/api/auth/token")]
    Task<IApiResponse<AccessTokenResponse>> SignInAsync([Body] Credentials credentials, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/concerts/{concertId}/queue</c> (user): joins the concert's FIFO waiting room. 201 with a new token, or 200 with
    /// the caller's live token again (never a second place in line); 404 <c>CONCERT_NOT_FOUND</c>, 503 <c>SERVICE_UNAVAILABLE</c>
    /// when the join could not be recorded (retry). <paramref name="challengeSolution"/> as on <see cref="SignUpAsync"/>.
    /// </summary>
    [Post("/api/concerts/{concertId}/queue")]
    Task<IApiResponse<QueueJoin>> JoinQueueAsync(Guid concertId, [Header(ApiContract.Headers.ChallengeSolution)] string? challengeSolution = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/challenge</c> (anonymous): a new proof-of-work challenge in ALTCHA's format (see <see cref="AltchaChallenge"/>), valid
    /// for the challenge lifetime (default 2 min) and redeemable once. Answered also while the join challenge is off.
    /// </summary>
    [Get("/api/challenge")]
    Task<IApiResponse<AltchaChallenge>> GetChallengeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/concerts/{concertId}/queue</c> (user + queue token): status, position and estimated wait; each call is the
    /// heartbeat (a WAITING token not polled for the abandonment timeout, default 1 min, loses its place). An ended token answers
    /// 200 <c>EXPIRED</c>; 401 <c>QUEUE_TOKEN_INVALID</c>/<c>QUEUE_TOKEN_EXPIRED</c>, 403 <c>QUEUE_TOKEN_WRONG_CONCERT</c>.
    /// </summary>
    [Get("/api/concerts/{concertId}/queue")]
    Task<IApiResponse<QueueState>> GetQueueStatusAsync(Guid concertId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>DELETE /api/concerts/{concertId}/queue</c> (user + queue token): leaves the line or gives the active slot back. 204, also
    /// when the token had already ended; queue-token errors as on <see cref="GetQueueStatusAsync"/>.
    /// </summary>
    [Delete("/api/concerts/{concertId}/queue")]
    Task<IApiResponse> LeaveQueueAsync(Guid concertId, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/concerts</c> (anonymous): every concert, by title.</summary>
    [Get("/api/concerts")]
    Task<IApiResponse<IReadOnlyList<Concert>>> GetConcertsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/concerts/{concertId}/schedules</c> [active]: dates whose booking window is open and that have seats left, by show
    /// time. 404 <c>CONCERT_NOT_FOUND</c>; 401/403 <c>QUEUE_TOKEN_*</c> without an ACTIVE pass for this concert.
    /// </summary>
    [Get("/api/concerts/{concertId}/schedules")]
    Task<IApiResponse<IReadOnlyList<Schedule>>> GetSchedulesAsync(Guid concertId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/schedules/{scheduleId}/seats</c> [active]: seats 1..50 in order with grade, price and status. 404
    /// <c>SCHEDULE_NOT_FOUND</c>; 401/403 <c>QUEUE_TOKEN_*</c> without an ACTIVE pass for the schedule's concert.
    /// </summary>
    [Get("/api/schedules/{scheduleId}/seats")]
    Task<IApiResponse<IReadOnlyList<Seat>>> GetSeatsAsync(Guid scheduleId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/holds</c> [active]: holds a seat for the hold duration (default 5 min), one winner per seat. 201; 404
    /// <c>SEAT_NOT_FOUND</c>, 409 <c>SEAT_UNAVAILABLE</c> (held or sold), 409 <c>BOOKING_CLOSED</c>, 409 <c>HOLD_LIMIT_REACHED</c>
    /// (default 4 live holds per user per schedule); 401/403 <c>QUEUE_TOKEN_*</c>.
    /// </summary>
    [Post("/api/holds")]
    Task<IApiResponse<Hold>> HoldSeatAsync([Body] HoldRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/holds/{holdId}</c> (user): the caller's live hold. 404 <c>HOLD_NOT_FOUND</c> once it expired, was released or paid, or for anyone else's hold.</summary>
    [Get("/api/holds/{holdId}")]
    Task<IApiResponse<Hold>> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/holds/{holdId}</c> (user): releases the seat at once. 204; 404 <c>HOLD_NOT_FOUND</c> as on <see cref="GetHoldAsync"/>.</summary>
    [Delete("/api/holds/{holdId}")]
    Task<IApiResponse> ReleaseHoldAsync(Guid holdId, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/balance</c> (user): the caller's balance in points.</summary>
    [Get("/api/balance")]
    Task<IApiResponse<BalanceView>> GetBalanceAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/balance/charges</c> (user): adds points and writes a CHARGE history row, atomically. 200 with the new balance;
    /// 400 <c>INVALID_AMOUNT</c>. With <paramref name="idempotencyKey"/> (≤ 255 characters, else 400 <c>INVALID_IDEMPOTENCY_KEY</c>)
    /// a repeat replays the first answer and charges once; 409 <c>IDEMPOTENCY_KEY_IN_FLIGHT</c> while the first still runs,
    /// 422 <c>IDEMPOTENCY_KEY_REUSED</c> for the same key with another body.
    /// </summary>
    [Post("/api/balance/charges")]
    Task<IApiResponse<BalanceView>> ChargeAsync([Body] ChargeRequest request, [Header(ApiContract.Headers.IdempotencyKey)] string? idempotencyKey = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/balance/history</c> (user): the caller's balance changes, newest first. <paramref name="limit"/> 1..1000, the Api's
    /// default 100 when null; 400 <c>INVALID_REQUEST</c> out of range.
    /// </summary>
    [Get("/api/balance/history")]
    Task<IApiResponse<IReadOnlyList<HistoryEntry>>> GetHistoryAsync(int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/payments</c> [active]: pays the caller's hold in one Postgres transaction. 201; 402 <c>INSUFFICIENT_BALANCE</c>
    /// (the hold is kept: top up and retry before it expires), 410 <c>HOLD_EXPIRED</c>, 404 <c>HOLD_NOT_FOUND</c>, 409
    /// <c>SEAT_ALREADY_SOLD</c>; nothing is debited on any of them. The queue token is revoked once the caller holds no other seat
    /// of the concert. <paramref name="idempotencyKey"/> as on <see cref="ChargeAsync"/>.
    /// </summary>
    [Post("/api/payments")]
    Task<IApiResponse<Payment>> PayAsync([Body] PaymentRequest request, [Header(ApiContract.Headers.IdempotencyKey)] string? idempotencyKey = null,
        CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/reservations</c> (user): the caller's confirmed reservations, newest payment first.</summary>
    [Get("/api/reservations")]
    Task<IApiResponse<IReadOnlyList<Reservation>>> GetReservationsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/reservations/{reservationId}/cancel</c> (user): cancels the caller's reservation while its booking window is open,
    /// refunds the full price (a REFUND history row) and puts the seat back on sale, all in one step. 200; 404
    /// <c>RESERVATION_NOT_FOUND</c> (unknown or someone else's), 409 <c>RESERVATION_ALREADY_CANCELLED</c>, 409 <c>CANCELLATION_CLOSED</c>.
    /// <paramref name="idempotencyKey"/> as on <see cref="ChargeAsync"/>.
    /// </summary>
    [Post("/api/reservations/{reservationId}/cancel")]
    Task<IApiResponse<ReservationCancelled>> CancelReservationAsync(Guid reservationId,
        [Header(ApiContract.Headers.IdempotencyKey)] string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/users/me</c> (user): the caller's id, name and roles.</summary>
    [Get("/api/users/me")]
    Task<IApiResponse<CurrentUser>> GetCurrentUserAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/admin/concerts</c> (organiser): the caller's own concerts with their schedules. 403 <c>FORBIDDEN</c> for other users.</summary>
    [Get("/api/admin/concerts")]
    Task<IApiResponse<IReadOnlyList<AdminConcert>>> GetMyConcertsAsync(CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/admin/concerts</c> (organiser): creates a concert owned by the caller. 201; 400 <c>INVALID_REQUEST</c>.</summary>
    [Post("/api/admin/concerts")]
    Task<IApiResponse<AdminConcert>> CreateConcertAsync([Body] NewConcert concert, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/admin/concerts/{concertId}/schedules</c> (organiser): adds a show with its booking window and seat map. 201; 400
    /// <c>INVALID_SEAT_MAP</c>/<c>INVALID_BOOKING_WINDOW</c>, 404 <c>CONCERT_NOT_FOUND</c> (unknown or another organiser's).
    /// </summary>
    [Post("/api/admin/concerts/{concertId}/schedules")]
    Task<IApiResponse<AdminSchedule>> CreateScheduleAsync(Guid concertId, [Body] NewSchedule schedule, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>PATCH /api/admin/schedules/{scheduleId}</c> (organiser): moves the booking window. 200; 400 <c>INVALID_BOOKING_WINDOW</c>,
    /// 404 <c>SCHEDULE_NOT_FOUND</c>, 409 <c>SCHEDULE_CANCELLED</c>.
    /// </summary>
    [Patch("/api/admin/schedules/{scheduleId}")]
    Task<IApiResponse<AdminSchedule>> ChangeBookingWindowAsync(Guid scheduleId, [Body] BookingWindowChange change, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/admin/schedules/{scheduleId}/sales</c> (organiser): sold, held, available, revenue and refunds. 404 <c>SCHEDULE_NOT_FOUND</c>.</summary>
    [Get("/api/admin/schedules/{scheduleId}/sales")]
    Task<IApiResponse<ScheduleSales>> GetSalesAsync(Guid scheduleId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/admin/schedules/{scheduleId}/cancel</c> (organiser): takes the show off sale and cancels and refunds every CONFIRMED
    /// reservation of it, each exactly once. 200 with what this call refunded (nothing on a repeat); 404 <c>SCHEDULE_NOT_FOUND</c>.
    /// </summary>
    [Post("/api/admin/schedules/{scheduleId}/cancel")]
    Task<IApiResponse<ScheduleCancelled>> CancelScheduleAsync(Guid scheduleId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/admin/concerts/{concertId}/draw</c> (organiser): the record of the concert's pre-queue draw at its sale's opening.
    /// 404 <c>CONCERT_NOT_FOUND</c>; 404 <c>DRAW_NOT_FOUND</c> while there is none.
    /// </summary>
    [Get("/api/admin/concerts/{concertId}/draw")]
    Task<IApiResponse<PreQueueDraw>> GetDrawAsync(Guid concertId, CancellationToken cancellationToken = default);
}
