namespace Ticketing.Api.Holds;

/// <summary>
/// Redis key names of the hold model (ARCHITECTURE.md flow 4). The seat key is the lock
/// (<c>SET … NX PX</c>); the record keeps what payment needs after the lock is gone.
/// </summary>
public static class HoldKeys
{
    /// <summary>The seat lock <c>hold:{scheduleId}:{seatNumber}</c>; value <see cref="SeatValue"/>, expires with the hold.</summary>
    public static string Seat(Guid scheduleId, int seatNumber) => $"hold:{scheduleId:N}:{seatNumber}";

    /// <summary>The value stored in the seat lock: <c>{holdId}|{userId}</c> (N format GUIDs).</summary>
    public static string SeatValue(Guid holdId, Guid userId) => $"{holdId:N}|{userId:N}";

    /// <summary>The hold record <c>hold:id:{holdId}</c> (a hash), kept one day past expiry so a late payment gets 410, not 404.</summary>
    public static string Record(Guid holdId) => $"hold:id:{holdId:N}";

    /// <summary>
    /// The sold seats of a schedule <c>hold:sold:{scheduleId}</c> (a set of seat numbers), written at each payment's commit so a
    /// hold of a sold seat is refused without Postgres. Member <c>0</c> (no seat has that number) marks the set as loaded from
    /// Postgres's reservations (<see cref="SoldSeats"/>); without it the set is incomplete and is loaded first. No expiry.
    /// </summary>
    public static string Sold(Guid scheduleId) => $"hold:sold:{scheduleId:N}";

    /// <summary>
    /// The release counter of a schedule's sold set <c>hold:sold-version:{scheduleId}</c> (an integer, no expiry): incremented with every
    /// seat a cancellation takes out of <see cref="Sold"/>, so a load from Postgres that read the reservations before the cancellation
    /// committed sees the counter moved and reads again instead of adding the seat back (<see cref="SoldSeats"/>).
    /// </summary>
    public static string SoldVersion(Guid scheduleId) => $"hold:sold-version:{scheduleId:N}";

    /// <summary>The member of <see cref="Sold"/> that marks the set as loaded.</summary>
    public const string SoldLoadedMarker = "0";

    /// <summary>The live holds of one user on one concert <c>hold:user:{userId}:concert:{concertId}</c> (sorted set, score = expiry in unix ms).</summary>
    public static string UserConcertHolds(Guid userId, Guid concertId) => $"hold:user:{userId:N}:concert:{concertId:N}";

    /// <summary>
    /// A user's cool-down on one seat <c>hold:cooldown:{userId}:{scheduleId}:{seatNumber}</c>: set when they hold it (expiring the
    /// cool-down after the hold would) and again when they release it; while it exists they cannot hold that seat
    /// (<see cref="HoldOptions.ReholdCooldown"/>).
    /// </summary>
    public static string Cooldown(Guid userId, Guid scheduleId, int seatNumber) => $"hold:cooldown:{userId:N}:{scheduleId:N}:{seatNumber}";

    /// <summary>The live holds of one user on one schedule <c>hold:user:{userId}:{scheduleId}</c> (sorted set, score = expiry in unix ms).</summary>
    public static string UserHolds(Guid userId, Guid scheduleId) => $"hold:user:{userId:N}:{scheduleId:N}";
}
