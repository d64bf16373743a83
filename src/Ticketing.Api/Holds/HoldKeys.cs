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

    /// <summary>The live holds of one user on one schedule <c>hold:user:{userId}:{scheduleId}</c> (sorted set, score = expiry in unix ms).</summary>
    public static string UserHolds(Guid userId, Guid scheduleId) => $"hold:user:{userId:N}:{scheduleId:N}";
}
