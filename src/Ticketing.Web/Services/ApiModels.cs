namespace Ticketing.Web.Services;

/// <summary>A concert (API.md "Catalog").</summary>
/// <param name="ConcertId">Id.</param>
/// <param name="Title">Title.</param>
/// <param name="Performer">Performer.</param>
/// <param name="Venue">Venue.</param>
public sealed record Concert(Guid ConcertId, string Title, string Performer, string Venue);

/// <summary>Answer of joining a waiting room.</summary>
/// <param name="QueueToken">The pass, sent as <c>X-Queue-Token</c>.</param>
/// <param name="Status"><c>WAITING</c>, <c>ACTIVE</c> or <c>EXPIRED</c>.</param>
/// <param name="Position">How many are ahead.</param>
/// <param name="EstimatedWaitSeconds">Estimated wait in seconds.</param>
/// <param name="ActiveUntil">When an ACTIVE pass lapses without activity.</param>
public sealed record QueueJoin(string QueueToken, string Status, long Position, long EstimatedWaitSeconds, DateTimeOffset? ActiveUntil);

/// <summary>A queue token's state.</summary>
/// <param name="Status"><c>WAITING</c>, <c>ACTIVE</c> or <c>EXPIRED</c>.</param>
/// <param name="Position">How many are ahead.</param>
/// <param name="EstimatedWaitSeconds">Estimated wait in seconds.</param>
/// <param name="ActiveUntil">When an ACTIVE pass lapses without activity.</param>
public sealed record QueueState(string Status, long Position, long EstimatedWaitSeconds, DateTimeOffset? ActiveUntil);

/// <summary>A bookable schedule.</summary>
/// <param name="ScheduleId">Id.</param>
/// <param name="StartsAt">Show time (UTC).</param>
/// <param name="BookingOpensAt">Booking window start (UTC).</param>
/// <param name="BookingClosesAt">Booking window end (UTC).</param>
/// <param name="TotalSeats">Seats in all (50).</param>
/// <param name="AvailableSeats">Seats neither held nor sold.</param>
public sealed record Schedule(Guid ScheduleId, DateTimeOffset StartsAt, DateTimeOffset BookingOpensAt, DateTimeOffset BookingClosesAt, int TotalSeats, int AvailableSeats);

/// <summary>A seat of a schedule.</summary>
/// <param name="SeatNumber">1..50.</param>
/// <param name="Grade">Grade, e.g. VIP.</param>
/// <param name="Price">Price in points.</param>
/// <param name="Status"><c>AVAILABLE</c>, <c>HELD</c> or <c>SOLD</c>.</param>
public sealed record Seat(int SeatNumber, string Grade, long Price, string Status);

/// <summary>A hold of the signed-in user.</summary>
/// <param name="HoldId">Id.</param>
/// <param name="ScheduleId">Schedule.</param>
/// <param name="SeatNumber">Seat.</param>
/// <param name="Grade">Grade.</param>
/// <param name="Price">Price in points.</param>
/// <param name="ExpiresAt">When the seat is released unless paid (UTC).</param>
public sealed record Hold(Guid HoldId, Guid ScheduleId, int SeatNumber, string Grade, long Price, DateTimeOffset ExpiresAt);

/// <summary>A completed payment.</summary>
/// <param name="PaymentId">Id.</param>
/// <param name="ReservationId">The reservation it confirmed.</param>
/// <param name="Amount">Points paid.</param>
/// <param name="PaidAt">When (UTC).</param>
/// <param name="Balance">Balance afterwards, in points.</param>
public sealed record Payment(Guid PaymentId, Guid ReservationId, long Amount, DateTimeOffset PaidAt, long Balance);

/// <summary>A point balance.</summary>
/// <param name="Balance">Points.</param>
public sealed record BalanceView(long Balance);

/// <summary>One balance change.</summary>
/// <param name="Kind"><c>CHARGE</c>, <c>PAYMENT</c> or <c>REFUND</c>.</param>
/// <param name="Amount">Points.</param>
/// <param name="BalanceAfter">Balance after the change.</param>
/// <param name="At">When (UTC).</param>
public sealed record HistoryEntry(string Kind, long Amount, long BalanceAfter, DateTimeOffset At);

/// <summary>A confirmed reservation.</summary>
/// <param name="ReservationId">Id.</param>
/// <param name="ConcertTitle">Concert.</param>
/// <param name="StartsAt">Show time (UTC).</param>
/// <param name="SeatNumber">Seat.</param>
/// <param name="Grade">Grade.</param>
/// <param name="Price">Points paid.</param>
/// <param name="Status"><c>CONFIRMED</c>.</param>
/// <param name="PaidAt">When (UTC).</param>
public sealed record Reservation(Guid ReservationId, string ConcertTitle, DateTimeOffset StartsAt, int SeatNumber, string Grade, long Price, string Status, DateTimeOffset PaidAt);

/// <summary>A new user.</summary>
/// <param name="UserId">Id.</param>
/// <param name="Name">Name.</param>
public sealed record CreatedUser(Guid UserId, string Name);

/// <summary>An access token.</summary>
/// <param name="AccessToken">The bearer token.</param>
/// <param name="ExpiresAt">When it expires (UTC).</param>
public sealed record AccessTokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>The Api's RFC 9457 problem, reduced to what the UI needs.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Code">The stable machine code (API.md), e.g. <c>SEAT_UNAVAILABLE</c>.</param>
/// <param name="Title">The Api's title.</param>
/// <param name="Detail">The Api's detail, if any.</param>
public sealed record ApiProblem(int Status, string Code, string? Title, string? Detail)
{
    /// <summary>What a person should read: <see cref="ErrorMessages.For"/>.</summary>
    public string Message => ErrorMessages.For(this);
}

/// <summary>Either the Api's answer or its problem; 4xx and 5xx never throw.</summary>
/// <typeparam name="T">The answer's type.</typeparam>
/// <param name="Value">Set on success.</param>
/// <param name="Problem">Set on failure.</param>
/// <param name="StatusCode">The HTTP status (0 when the Api could not be reached).</param>
public sealed record ApiResult<T>(T? Value, ApiProblem? Problem, int StatusCode)
{
    /// <summary>True on a 2xx answer.</summary>
    public bool IsSuccess => Problem is null;
}
