using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ticketing.Client;

// The bodies of shared/API.md, shaped after the Api's own types (src/Ticketing.Api/*/*Endpoints.cs). JSON is camelCase;
// times are UTC; money is whole points (long). Extra fields the Api may add later are ignored on reading.

/// <summary>Body of <c>POST /api/users</c> (sign-up) and <c>POST /api/auth/token</c> (sign-in).</summary>
/// <param name="Name">3–32 letters, digits, <c>.</c>, <c>-</c>, <c>_</c>; unique whatever its case (else 400 <c>INVALID_NAME</c>, 409 <c>NAME_TAKEN</c>).</param>
/// <param name="Password">8–128 characters (else 400 <c>WEAK_PASSWORD</c>).</param>
public sealed record Credentials(string Name, string Password);

/// <summary>Answer of <c>POST /api/users</c> (201).</summary>
/// <param name="UserId">The new user's id.</param>
/// <param name="Name">The name as registered.</param>
public sealed record CreatedUser(Guid UserId, string Name);

/// <summary>Answer of <c>POST /api/auth/token</c> (200).</summary>
/// <param name="AccessToken">Sent as <c>Authorization: Bearer</c>; a JWT signed by the Api.</param>
/// <param name="ExpiresAt">When the Api stops accepting it (UTC; default lifetime 1 h).</param>
public sealed record AccessTokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>Answer of <c>POST /api/concerts/{concertId}/queue</c>: 201 for a new place in line, 200 with the same live token again.</summary>
/// <param name="QueueToken">The pass, sent as <c>X-Queue-Token</c> (<see cref="ApiContract.Headers.QueueToken"/>).</param>
/// <param name="Status">One of <see cref="ApiContract.QueueStatus"/>.</param>
/// <param name="Position">How many are ahead; 0 when ACTIVE.</param>
/// <param name="EstimatedWaitSeconds">Seconds until admission, from the admission tick and the line's observed speed; 0 unless WAITING.</param>
/// <param name="ActiveUntil">When an ACTIVE pass lapses without further requests (UTC); null otherwise.</param>
/// <param name="OpensAt">When PREQUEUE: the sale's opening (UTC), when the pre-queue is drawn; null otherwise.</param>
public sealed record QueueJoin(string QueueToken, string Status, long Position, long EstimatedWaitSeconds, DateTimeOffset? ActiveUntil,
    DateTimeOffset? OpensAt = null);

/// <summary>Answer of <c>GET /api/concerts/{concertId}/queue</c>; each poll is also the token's heartbeat.</summary>
/// <param name="Status">One of <see cref="ApiContract.QueueStatus"/>.</param>
/// <param name="Position">How many are ahead; 0 when ACTIVE.</param>
/// <param name="EstimatedWaitSeconds">Seconds until admission; 0 unless WAITING.</param>
/// <param name="ActiveUntil">When an ACTIVE pass lapses without further requests (UTC); null otherwise.</param>
/// <param name="OpensAt">When PREQUEUE: the sale's opening (UTC), when the pre-queue is drawn; null otherwise.</param>
public sealed record QueueState(string Status, long Position, long EstimatedWaitSeconds, DateTimeOffset? ActiveUntil, DateTimeOffset? OpensAt = null);

/// <summary>An item of <c>GET /api/concerts</c>.</summary>
/// <param name="ConcertId">Id, used in the queue and schedule routes.</param>
/// <param name="Title">Title as shown to people.</param>
/// <param name="Performer">Who plays.</param>
/// <param name="Venue">Where.</param>
public sealed record Concert(Guid ConcertId, string Title, string Performer, string Venue);

/// <summary>An item of <c>GET /api/concerts/{concertId}/schedules</c>: only dates whose booking window is open and that have seats left.</summary>
/// <param name="ScheduleId">Id, used in the seats route and to hold.</param>
/// <param name="StartsAt">Show time (UTC).</param>
/// <param name="BookingOpensAt">Booking window start (UTC).</param>
/// <param name="BookingClosesAt">Booking window end (UTC); holds are refused with 409 <c>BOOKING_CLOSED</c> outside the window.</param>
/// <param name="TotalSeats">Seats of the schedule (50).</param>
/// <param name="AvailableSeats">Seats neither held nor sold right now.</param>
public sealed record Schedule(Guid ScheduleId, DateTimeOffset StartsAt, DateTimeOffset BookingOpensAt, DateTimeOffset BookingClosesAt, int TotalSeats, int AvailableSeats);

/// <summary>An item of <c>GET /api/schedules/{scheduleId}/seats</c>.</summary>
/// <param name="SeatNumber">1..50.</param>
/// <param name="Grade">Seat grade, e.g. <c>VIP</c> or <c>R</c>.</param>
/// <param name="Price">Price in points.</param>
/// <param name="Status">One of <see cref="ApiContract.SeatStatus"/>.</param>
public sealed record Seat(int SeatNumber, string Grade, long Price, string Status);

/// <summary>Body of <c>POST /api/holds</c>.</summary>
/// <param name="ScheduleId">The schedule (404 <c>SEAT_NOT_FOUND</c> when unknown).</param>
/// <param name="SeatNumber">1..50 (404 <c>SEAT_NOT_FOUND</c> otherwise).</param>
public sealed record HoldRequest(Guid ScheduleId, int SeatNumber);

/// <summary>A live hold of the caller: answer of <c>POST /api/holds</c> (201) and <c>GET /api/holds/{holdId}</c>.</summary>
/// <param name="HoldId">Id, used to pay or release.</param>
/// <param name="ScheduleId">The schedule of the seat.</param>
/// <param name="SeatNumber">1..50.</param>
/// <param name="Grade">Seat grade.</param>
/// <param name="Price">Price in points, what a payment debits.</param>
/// <param name="ExpiresAt">When the seat is released unless paid (UTC; default hold duration 5 min).</param>
/// <param name="ConcertId">The schedule's concert (a field the Api adds beyond API.md).</param>
/// <param name="StartsAt">The schedule's show time (UTC; a field the Api adds beyond API.md).</param>
public sealed record Hold(Guid HoldId, Guid ScheduleId, int SeatNumber, string Grade, long Price, DateTimeOffset ExpiresAt, Guid ConcertId, DateTimeOffset StartsAt);

/// <summary>Body of <c>POST /api/balance/charges</c>.</summary>
/// <param name="Amount">Points to add: 1 to the per-charge maximum (default 10,000,000), else 400 <c>INVALID_AMOUNT</c>.</param>
public sealed record ChargeRequest(long Amount);

/// <summary>Answer of <c>GET /api/balance</c> and <c>POST /api/balance/charges</c>.</summary>
/// <param name="Balance">Points, never negative.</param>
public sealed record BalanceView(long Balance);

/// <summary>An item of <c>GET /api/balance/history</c>, newest first.</summary>
/// <param name="Kind">One of <see cref="ApiContract.BalanceKind"/>; it says the direction.</param>
/// <param name="Amount">Points moved, always positive.</param>
/// <param name="BalanceAfter">The balance right after this entry, in points.</param>
/// <param name="At">When (UTC).</param>
public sealed record HistoryEntry(string Kind, long Amount, long BalanceAfter, DateTimeOffset At);

/// <summary>Body of <c>POST /api/payments</c>.</summary>
/// <param name="HoldId">The caller's live hold (404 <c>HOLD_NOT_FOUND</c> for anyone else's).</param>
public sealed record PaymentRequest(Guid HoldId);

/// <summary>Answer of a successful <c>POST /api/payments</c> (201).</summary>
/// <param name="PaymentId">Id of the payment.</param>
/// <param name="ReservationId">Id of the confirmed reservation.</param>
/// <param name="Amount">Points debited: the seat's price.</param>
/// <param name="PaidAt">When (UTC).</param>
/// <param name="Balance">The balance after the debit, in points.</param>
public sealed record Payment(Guid PaymentId, Guid ReservationId, long Amount, DateTimeOffset PaidAt, long Balance);

/// <summary>An item of <c>GET /api/reservations</c>, newest payment first.</summary>
/// <param name="ReservationId">Id; the <c>reservationId</c> of the payment that confirmed it.</param>
/// <param name="ConcertTitle">The concert's title.</param>
/// <param name="StartsAt">Show time (UTC).</param>
/// <param name="SeatNumber">1..50.</param>
/// <param name="Grade">Seat grade.</param>
/// <param name="Price">Points paid.</param>
/// <param name="Status">One of <see cref="ApiContract.ReservationStatus"/>.</param>
/// <param name="PaidAt">When it was paid (UTC).</param>
/// <param name="CancelledAt">When it was cancelled (UTC); null while CONFIRMED.</param>
/// <param name="Refund">Points given back by the cancellation (the full price); null while CONFIRMED.</param>
public sealed record Reservation(Guid ReservationId, string ConcertTitle, DateTimeOffset StartsAt, int SeatNumber, string Grade, long Price, string Status,
    DateTimeOffset PaidAt, DateTimeOffset? CancelledAt = null, long? Refund = null);

/// <summary>Answer of <c>POST /api/reservations/{reservationId}/cancel</c> (200).</summary>
/// <param name="ReservationId">The cancelled reservation.</param>
/// <param name="Status"><see cref="ApiContract.ReservationStatus.Cancelled"/>.</param>
/// <param name="Refund">Points given back: the full price paid.</param>
/// <param name="Balance">The caller's balance after the refund, in points.</param>
public sealed record ReservationCancelled(Guid ReservationId, string Status, long Refund, long Balance);

/// <summary>Answer of <c>GET /api/users/me</c>: who the access token belongs to and what it may do.</summary>
/// <param name="UserId">The caller's id.</param>
/// <param name="Name">The name as registered.</param>
/// <param name="Roles">Subset of [<see cref="ApiContract.Roles.Organiser"/>].</param>
public sealed record CurrentUser(Guid UserId, string Name, IReadOnlyList<string> Roles);

/// <summary>Body of <c>POST /api/admin/concerts</c>.</summary>
/// <param name="Title">1–200 characters.</param>
/// <param name="Performer">1–200 characters.</param>
/// <param name="Venue">1–200 characters.</param>
public sealed record NewConcert(string Title, string Performer, string Venue);

/// <summary>A band of seats of one grade and price in a schedule's seat map.</summary>
/// <param name="From">First seat of the band, 1..50.</param>
/// <param name="To">Last seat of the band (inclusive), From..50.</param>
/// <param name="Grade">1–16 characters, e.g. <c>VIP</c>.</param>
/// <param name="Price">Points per seat, 1..10,000,000.</param>
public sealed record SeatBand(int From, int To, string Grade, long Price);

/// <summary>Body of <c>POST /api/admin/concerts/{concertId}/schedules</c>.</summary>
/// <param name="StartsAt">Show time (UTC).</param>
/// <param name="BookingOpensAt">Booking window start (UTC); before <paramref name="BookingClosesAt"/>.</param>
/// <param name="BookingClosesAt">Booking window end (UTC); no later than <paramref name="StartsAt"/>.</param>
/// <param name="Seats">Bands covering seats 1..50 exactly once (else 400 <c>INVALID_SEAT_MAP</c>).</param>
public sealed record NewSchedule(DateTimeOffset StartsAt, DateTimeOffset BookingOpensAt, DateTimeOffset BookingClosesAt, IReadOnlyList<SeatBand> Seats);

/// <summary>Body of <c>PATCH /api/admin/schedules/{scheduleId}</c>: the bounds to change (null keeps the current one).</summary>
/// <param name="BookingOpensAt">New booking window start (UTC).</param>
/// <param name="BookingClosesAt">New booking window end (UTC).</param>
public sealed record BookingWindowChange(DateTimeOffset? BookingOpensAt = null, DateTimeOffset? BookingClosesAt = null);

/// <summary>A schedule as its organiser sees it.</summary>
/// <param name="ScheduleId">Id.</param>
/// <param name="StartsAt">Show time (UTC).</param>
/// <param name="BookingOpensAt">Booking window start (UTC).</param>
/// <param name="BookingClosesAt">Booking window end (UTC).</param>
/// <param name="TotalSeats">Seats of the schedule (50).</param>
/// <param name="Cancelled">True once the organiser cancelled the show.</param>
public sealed record AdminSchedule(Guid ScheduleId, DateTimeOffset StartsAt, DateTimeOffset BookingOpensAt, DateTimeOffset BookingClosesAt, int TotalSeats,
    bool Cancelled = false);

/// <summary>A concert of the calling organiser with its schedules (<c>GET /api/admin/concerts</c>).</summary>
/// <param name="ConcertId">Id.</param>
/// <param name="Title">Title.</param>
/// <param name="Performer">Performer.</param>
/// <param name="Venue">Venue.</param>
/// <param name="Schedules">Its schedules by show time; empty for an answer of <c>POST /api/admin/concerts</c>.</param>
public sealed record AdminConcert(Guid ConcertId, string Title, string Performer, string Venue, IReadOnlyList<AdminSchedule>? Schedules = null);

/// <summary>Answer of <c>GET /api/admin/schedules/{scheduleId}/sales</c>; money in points.</summary>
/// <param name="ScheduleId">The schedule.</param>
/// <param name="TotalSeats">Seats of the schedule (50).</param>
/// <param name="Sold">Seats with a CONFIRMED reservation.</param>
/// <param name="Held">Unsold seats held right now.</param>
/// <param name="Available">TotalSeats − Sold − Held.</param>
/// <param name="CancelledReservations">Reservations cancelled (by their buyers or with the show).</param>
/// <param name="Revenue">Points of the CONFIRMED reservations (refunds already taken off).</param>
/// <param name="Refunded">Points given back by cancellations.</param>
public sealed record ScheduleSales(Guid ScheduleId, int TotalSeats, int Sold, int Held, int Available, int CancelledReservations, long Revenue, long Refunded);

/// <summary>Answer of <c>POST /api/admin/schedules/{scheduleId}/cancel</c>.</summary>
/// <param name="ScheduleId">The schedule, now off sale.</param>
/// <param name="ReservationsCancelled">Reservations this call cancelled and refunded (0 on a repeat).</param>
/// <param name="PointsRefunded">Points this call refunded in all.</param>
public sealed record ScheduleCancelled(Guid ScheduleId, int ReservationsCancelled, long PointsRefunded);

/// <summary>
/// Answer of <c>GET /api/challenge</c>: an ALTCHA proof-of-work challenge (version 2, as the <c>altcha</c> 3.x widget solves it), to
/// solve before <c>POST /api/users</c> and <c>POST /api/concerts/{concertId}/queue</c> while the join challenge is on. Solve: find the
/// counter n (0, 1, 2, …) for which PBKDF2-HMAC-SHA256(password = nonce bytes ‖ n as 4 big-endian bytes, salt bytes, cost iterations,
/// 32 bytes) starts with the bytes of <see cref="AltchaParameters.KeyPrefix"/>; send <see cref="SolutionHeader"/> as
/// <see cref="ApiContract.Headers.ChallengeSolution"/>.
/// </summary>
/// <param name="Parameters">What to solve; sent back unchanged (the Api's signature covers every field).</param>
/// <param name="Signature">Lowercase hex HMAC-SHA256 of the parameters, by the Api.</param>
public sealed record AltchaChallenge(AltchaParameters Parameters, string Signature)
{
    /// <summary>
    /// The <c>X-Challenge-Solution</c> value for counter <paramref name="counter"/> and its derived key (lowercase hex of 32 bytes): base64
    /// of the JSON <c>{challenge: {parameters, signature}, solution: {counter, derivedKey}}</c>, the payload the widget sends.
    /// </summary>
    public string SolutionHeader(uint counter, string derivedKey) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(
            new { challenge = this, solution = new { counter, derivedKey } }, JsonSerializerOptions.Web));
}

/// <summary>The parameters of an <see cref="AltchaChallenge"/>; fields beyond these (ALTCHA's <c>memoryCost</c>, <c>data</c>, …) are kept as received.</summary>
/// <param name="Algorithm"><c>PBKDF2/SHA-256</c>.</param>
/// <param name="Cost">PBKDF2 iterations per counter tried (default 500).</param>
/// <param name="ExpiresAt">Unix time in seconds after which the Api refuses it (default 2 min after it was issued).</param>
/// <param name="KeyLength">Bytes of each derived key (32).</param>
/// <param name="KeyPrefix">Lowercase hex (16 bytes) that the derived key of the hidden counter starts with.</param>
/// <param name="KeySignature">Lowercase hex; the Api's check of the whole derived key.</param>
/// <param name="Nonce">Lowercase hex (16 bytes), the start of every password tried.</param>
/// <param name="Salt">Lowercase hex (16 bytes), PBKDF2's salt.</param>
public sealed record AltchaParameters(string Algorithm, int Cost, long ExpiresAt, int KeyLength, string KeyPrefix,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? KeySignature, string Nonce, string Salt)
{
    /// <summary>Fields this model does not name, written back as they came, so the Web's relay and a client send back what was signed.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>Answer of <c>GET /api/admin/concerts/{concertId}/draw</c>: the pre-queue's draw, for an audit.</summary>
/// <param name="ConcertId">The concert.</param>
/// <param name="OpensAt">The sale's opening the draw was made for (UTC).</param>
/// <param name="DrawnAt">When it was drawn (UTC).</param>
/// <param name="Count">How many pre-queued people it placed.</param>
/// <param name="Order">Their user ids in drawn order: the first went first in line.</param>
public sealed record PreQueueDraw(Guid ConcertId, DateTimeOffset OpensAt, DateTimeOffset DrawnAt, int Count, IReadOnlyList<Guid> Order);
