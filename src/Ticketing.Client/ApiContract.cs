namespace Ticketing.Client;

/// <summary>
/// The raw strings of the HTTP contract (shared/API.md), in one place, so callers compare against names instead of
/// scattering literals. Values are exactly as the Api spells them on the wire.
/// </summary>
public static class ApiContract
{
    /// <summary>Request headers the contract defines besides <c>Authorization</c>.</summary>
    public static class Headers
    {
        /// <summary>The waiting-room pass of one concert, required on the routes API.md marks <b>[active]</b>.</summary>
        public const string QueueToken = "X-Queue-Token";

        /// <summary>
        /// Optional on charges and payments: a client-chosen string of at most 255 characters; the same key and body
        /// replay the first response for 24 h (API.md "Idempotency").
        /// </summary>
        public const string IdempotencyKey = "Idempotency-Key";

        /// <summary>
        /// A solved join challenge (<see cref="AltchaChallenge.SolutionHeader"/>), needed on sign-up and joining a queue while the
        /// challenge is on (API.md "Limits, challenges and the pre-queue").
        /// </summary>
        public const string ChallengeSolution = "X-Challenge-Solution";
    }

    /// <summary>
    /// The live status stream (API.md "Waiting room", seed 000): <c>GET /api/concerts/{concertId}/queue/events</c> answers
    /// <see cref="EventStreamMediaType"/> with an <c>event: status</c> whose data is a <see cref="QueueState"/>, at once and on
    /// every change, and <c>: keep-alive</c> comments; it ends after ACTIVE or EXPIRED. Not a method of
    /// <see cref="ITicketingApi"/>: see its remarks.
    /// </summary>
    public static class QueueEvents
    {
        /// <summary>The media type of the stream (the HTML standard's server-sent events).</summary>
        public const string EventStreamMediaType = "text/event-stream";

        /// <summary>The <c>event:</c> name of a status event.</summary>
        public const string StatusEvent = "status";

        /// <summary>Query parameter that may carry the queue token on this route only, for clients that cannot set headers (EventSource).</summary>
        public const string QueueTokenParameter = "queueToken";

        /// <summary>The route of <paramref name="concertId"/>'s stream, relative to the Api's root.</summary>
        public static string Path(Guid concertId) => $"/api/concerts/{concertId}/queue/events";
    }

    /// <summary><c>status</c> of a queue token (API.md "Waiting room").</summary>
    public static class QueueStatus
    {
        /// <summary>Joined before the sale opened: no position until the draw at <c>opensAt</c>, which places the pre-queue in one random order ahead of later joins.</summary>
        public const string PreQueue = "PREQUEUE";

        /// <summary>In line; <c>position</c> says how many are ahead.</summary>
        public const string Waiting = "WAITING";

        /// <summary>Admitted to the concert's active set: the [active] routes accept the token.</summary>
        public const string Active = "ACTIVE";

        /// <summary>Ended: left, abandoned, idle past the active TTL, or revoked by the last payment.</summary>
        public const string Expired = "EXPIRED";
    }

    /// <summary><c>status</c> of a seat in <c>GET /api/schedules/{scheduleId}/seats</c>.</summary>
    public static class SeatStatus
    {
        /// <summary>Neither held nor sold.</summary>
        public const string Available = "AVAILABLE";

        /// <summary>Held by someone (a live hold in Redis).</summary>
        public const string Held = "HELD";

        /// <summary>A confirmed reservation exists.</summary>
        public const string Sold = "SOLD";
    }

    /// <summary><c>kind</c> of a balance history entry.</summary>
    public static class BalanceKind
    {
        /// <summary>A top-up: points added.</summary>
        public const string Charge = "CHARGE";

        /// <summary>A payment: points taken.</summary>
        public const string Payment = "PAYMENT";

        /// <summary>A refund: points given back.</summary>
        public const string Refund = "REFUND";
    }

    /// <summary><c>status</c> of a reservation.</summary>
    public static class ReservationStatus
    {
        /// <summary>Paid; the seat is the buyer's.</summary>
        public const string Confirmed = "CONFIRMED";

        /// <summary>Cancelled by the buyer or with the show; the price was refunded and the seat went back on sale.</summary>
        public const string Cancelled = "CANCELLED";
    }

    /// <summary>Roles an access token can carry (<c>roles</c> of <c>GET /api/users/me</c>).</summary>
    public static class Roles
    {
        /// <summary>May use <c>/api/admin</c>: create concerts and schedules, see their sales, cancel shows.</summary>
        public const string Organiser = "organiser";
    }

    /// <summary>
    /// The stable machine <c>code</c> of every RFC 9457 problem the Api answers (API.md "Errors"). Clients switch on
    /// these, never on titles. <see cref="ServiceUnavailable"/> is also what <see cref="ApiProblemExtensions.Problem"/> reports when
    /// the Api could not be reached at all.
    /// </summary>
    public static class ErrorCodes
    {
#pragma warning disable CS1591 // The names are the documentation; API.md says when each is returned.
        public const string InvalidRequest = "INVALID_REQUEST";
        public const string NotFound = "NOT_FOUND";
        public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
        public const string Unauthorized = "UNAUTHORIZED";
        public const string Forbidden = "FORBIDDEN";
        public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
        public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
        public const string RateLimited = "RATE_LIMITED";
        public const string InternalError = "INTERNAL_ERROR";
        public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";

        public const string InvalidName = "INVALID_NAME";
        public const string WeakPassword = "WEAK_PASSWORD";
        public const string NameTaken = "NAME_TAKEN";
        public const string BadCredentials = "BAD_CREDENTIALS";

        public const string ChallengeRequired = "CHALLENGE_REQUIRED";
        public const string ChallengeInvalid = "CHALLENGE_INVALID";

        public const string QueueTokenInvalid = "QUEUE_TOKEN_INVALID";
        public const string QueueTokenNotActive = "QUEUE_TOKEN_NOT_ACTIVE";
        public const string QueueTokenExpired = "QUEUE_TOKEN_EXPIRED";
        public const string QueueTokenWrongConcert = "QUEUE_TOKEN_WRONG_CONCERT";
        public const string TooManyStreams = "TOO_MANY_STREAMS";
        public const string ConcertNotFound = "CONCERT_NOT_FOUND";
        public const string DrawNotFound = "DRAW_NOT_FOUND";
        public const string ScheduleNotFound = "SCHEDULE_NOT_FOUND";

        public const string SeatUnavailable = "SEAT_UNAVAILABLE";
        public const string SeatNotFound = "SEAT_NOT_FOUND";
        public const string BookingClosed = "BOOKING_CLOSED";
        public const string HoldLimitReached = "HOLD_LIMIT_REACHED";
        public const string HoldNotFound = "HOLD_NOT_FOUND";
        public const string HoldExpired = "HOLD_EXPIRED";

        public const string InvalidAmount = "INVALID_AMOUNT";
        public const string InsufficientBalance = "INSUFFICIENT_BALANCE";
        public const string SeatAlreadySold = "SEAT_ALREADY_SOLD";

        public const string ReservationNotFound = "RESERVATION_NOT_FOUND";
        public const string ReservationAlreadyCancelled = "RESERVATION_ALREADY_CANCELLED";
        public const string CancellationClosed = "CANCELLATION_CLOSED";

        public const string InvalidSeatMap = "INVALID_SEAT_MAP";
        public const string InvalidBookingWindow = "INVALID_BOOKING_WINDOW";
        public const string ScheduleCancelled = "SCHEDULE_CANCELLED";

        public const string InvalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY";
        public const string IdempotencyKeyInFlight = "IDEMPOTENCY_KEY_IN_FLIGHT";
        public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
#pragma warning restore CS1591

        /// <summary>True for the four queue-token codes: the caller's pass for the concert is missing, waiting, ended or for another concert.</summary>
        public static bool IsQueueTokenProblem(string code) =>
            code is QueueTokenInvalid or QueueTokenNotActive or QueueTokenExpired or QueueTokenWrongConcert;
    }
}
