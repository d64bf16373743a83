namespace Ticketing.Api.Infrastructure;

/// <summary>
/// The stable machine codes carried in the <c>code</c> extension of every problem response
/// (RFC 9457; the list is the contract in shared/API.md). Clients switch on these, never on titles.
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
}
