using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Ticketing.WaitingRoom;
using Ticketing.WaitingRoom.Hosting;

namespace Ticketing.Api.Holds;

/// <summary>A hold as stored in its record.</summary>
/// <param name="HoldId">Id.</param>
/// <param name="UserId">Owner.</param>
/// <param name="ConcertId">Concert of the schedule (the queue pass must be for it).</param>
/// <param name="ScheduleId">Schedule.</param>
/// <param name="SeatNumber">1..50.</param>
/// <param name="Grade">Seat grade when held.</param>
/// <param name="Price">Price in points when held.</param>
/// <param name="ExpiresAt">When the hold runs out.</param>
/// <param name="State"><c>held</c>, <c>paid</c> or <c>released</c>.</param>
public sealed record HoldRecord(Guid HoldId, Guid UserId, Guid ConcertId, Guid ScheduleId, int SeatNumber, string Grade, long Price, DateTimeOffset ExpiresAt, string State);

/// <summary>Outcome of <see cref="HoldStore.TryCreateAsync"/>.</summary>
public enum HoldCreateOutcome
{
    /// <summary>The seat is now held by the caller.</summary>
    Created,

    /// <summary>Someone (possibly the caller) holds it already.</summary>
    SeatTaken,

    /// <summary>The caller has <see cref="HoldOptions.MaxPerUserPerSchedule"/> live holds on the schedule.</summary>
    LimitReached,
}

/// <summary>
/// Holds in Redis. Every change is one Lua script, so the per-user cap, the seat lock and the record move
/// together (no check-then-act across round trips). The seat lock expires by itself (<c>PX</c>): no job frees seats.
/// </summary>
public sealed class HoldStore(RedisConnection redis, IOptions<HoldOptions> options, TimeProvider clock)
{
    /// <summary>State of a hold that still has (or had, until expiry) its seat.</summary>
    public const string Held = "held";

    /// <summary>State after a successful payment.</summary>
    public const string Paid = "paid";

    /// <summary>State after the owner released it.</summary>
    public const string Released = "released";

    private static readonly TimeSpan RecordRetention = TimeSpan.FromDays(1);

    // KEYS: seat, record, userHolds. ARGV: seatValue, durationMs, nowMs, max, recordTtlMs, then the record's field/value pairs.
    private const string CreateScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
        if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return -1 end
        if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
        local fields = {}
        for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
        redis.call('HSET', KEYS[2], unpack(fields))
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        local holdId = string.sub(ARGV[1], 1, 32)
        redis.call('ZADD', KEYS[3], tonumber(ARGV[3]) + tonumber(ARGV[2]), holdId)
        redis.call('PEXPIRE', KEYS[3], ARGV[2])
        return 1
        """;

    // KEYS: seat. ARGV: seatValue, claimMs. Returns the remaining ms before the claim, or -1 if the seat is not this hold's.
    private const string ClaimScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
        local remaining = redis.call('PTTL', KEYS[1])
        if remaining < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return remaining
        """;

    // KEYS: seat. ARGV: seatValue, restoreMs. Gives a claimed hold its own expiry back (payment failed); 0 ms deletes it.
    private const string UnclaimScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        if tonumber(ARGV[2]) <= 0 then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 1
        """;

    // KEYS: seat, record, userHolds. ARGV: seatValue, holdId, newState, requireLive (1/0).
    // Compare-and-delete: only this hold's lock is removed, never a later hold of the same seat.
    private const string EndScript = """
        local live = redis.call('GET', KEYS[1]) == ARGV[1]
        if ARGV[4] == '1' and not live then return 0 end
        if live then redis.call('DEL', KEYS[1]) end
        redis.call('ZREM', KEYS[3], ARGV[2])
        if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], 'state', ARGV[3]) end
        return 1
        """;

    private HoldOptions Options => options.Value;

    private IDatabase Db => redis.Database;

    /// <summary>
    /// Tries to hold <paramref name="seatNumber"/> for <paramref name="userId"/> for <see cref="HoldOptions.Duration"/>.
    /// Returns the outcome and, when created, the record.
    /// </summary>
    public async Task<(HoldCreateOutcome Outcome, HoldRecord? Hold)> TryCreateAsync(Guid userId, Guid concertId, Guid scheduleId, int seatNumber, string grade, long price)
    {
        var now = clock.GetUtcNow();
        var duration = (long)Options.Duration.TotalMilliseconds;
        var hold = new HoldRecord(Guid.CreateVersion7(), userId, concertId, scheduleId, seatNumber, grade, price,
            now.AddMilliseconds(duration), Held);
        RedisValue[] args =
        [
            HoldKeys.SeatValue(hold.HoldId, userId), duration, now.ToUnixTimeMilliseconds(), Options.MaxPerUserPerSchedule,
            (long)(Options.Duration + RecordRetention).TotalMilliseconds,
            "userId", userId.ToString("N"), "concertId", concertId.ToString("N"), "scheduleId", scheduleId.ToString("N"),
            "seatNumber", seatNumber, "grade", grade, "price", price, "expiresAt", hold.ExpiresAt.ToUnixTimeMilliseconds(), "state", Held,
        ];
        var result = (long)await Db.EvaluateTracedAsync("hold-create", CreateScript,
            [HoldKeys.Seat(scheduleId, seatNumber), HoldKeys.Record(hold.HoldId), HoldKeys.UserHolds(userId, scheduleId)], args);
        return result switch
        {
            1 => (HoldCreateOutcome.Created, hold),
            -1 => (HoldCreateOutcome.LimitReached, null),
            _ => (HoldCreateOutcome.SeatTaken, null),
        };
    }

    /// <summary>Reads a hold record (null when unknown or past its one-day retention).</summary>
    public async Task<HoldRecord?> FindAsync(Guid holdId)
    {
        var entries = await Db.TracedAsync("HGETALL", "hold", () => Db.HashGetAllAsync(HoldKeys.Record(holdId)));
        if (entries.Length == 0)
        {
            return null;
        }

        var f = entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        return new HoldRecord(holdId, Guid.Parse(f["userId"]), Guid.Parse(f["concertId"]), Guid.Parse(f["scheduleId"]),
            int.Parse(f["seatNumber"], CultureInfo.InvariantCulture), f["grade"], long.Parse(f["price"], CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(f["expiresAt"], CultureInfo.InvariantCulture)), f["state"]);
    }

    /// <summary>
    /// Claims a live hold for a payment: the seat lock is kept for at least <see cref="HoldOptions.PaymentClaim"/>.
    /// Returns false when the hold has run out (or was released): the payment must not go on.
    /// </summary>
    public async Task<bool> TryClaimForPaymentAsync(HoldRecord hold)
    {
        var remaining = (long)await Db.EvaluateTracedAsync("hold-claim", ClaimScript, [HoldKeys.Seat(hold.ScheduleId, hold.SeatNumber)],
            [HoldKeys.SeatValue(hold.HoldId, hold.UserId), (long)Options.PaymentClaim.TotalMilliseconds]);
        return remaining > 0;
    }

    /// <summary>After a payment that failed without selling the seat: the hold keeps its original expiry (or ends if that has passed).</summary>
    public Task UnclaimAsync(HoldRecord hold)
    {
        var restoreMs = (long)(hold.ExpiresAt - clock.GetUtcNow()).TotalMilliseconds;
        return Db.EvaluateTracedAsync("hold-unclaim", UnclaimScript, [HoldKeys.Seat(hold.ScheduleId, hold.SeatNumber)],
            [HoldKeys.SeatValue(hold.HoldId, hold.UserId), Math.Max(0, restoreMs)]);
    }

    /// <summary>Ends a hold after its seat was sold (to its owner or, in a race, to someone else).</summary>
    public Task MarkPaidAsync(HoldRecord hold) => EndAsync(hold, Paid, requireLive: false);

    /// <summary>Releases a live hold at its owner's request; false when it was no longer live.</summary>
    public Task<bool> ReleaseAsync(HoldRecord hold) => EndAsync(hold, Released, requireLive: true);

    /// <summary>
    /// True when <paramref name="userId"/> still has a hold that has not run out on any of <paramref name="scheduleIds"/>
    /// (the per-user hold sets, scored by expiry; paid and released holds are removed from them).
    /// </summary>
    public async Task<bool> HasLiveHoldsAsync(Guid userId, IEnumerable<Guid> scheduleIds)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var counts = await Task.WhenAll(scheduleIds.Select(s => Db.TracedAsync("ZCOUNT", "user-holds", () => Db.SortedSetLengthAsync(HoldKeys.UserHolds(userId, s), now, double.PositiveInfinity, Exclude.Start))));
        return counts.Any(c => c > 0);
    }

    /// <summary>Which of seats 1..<paramref name="seatCount"/> of a schedule are held right now (one <c>MGET</c>).</summary>
    public async Task<bool[]> HeldSeatsAsync(Guid scheduleId, int seatCount)
    {
        var keys = Enumerable.Range(1, seatCount).Select(n => (RedisKey)HoldKeys.Seat(scheduleId, n)).ToArray();
        var values = await Db.TracedAsync("MGET", "seats", () => Db.StringGetAsync(keys));
        return values.Select(v => v.HasValue).ToArray();
    }

    private async Task<bool> EndAsync(HoldRecord hold, string state, bool requireLive)
    {
        var result = (long)await Db.EvaluateTracedAsync("hold-end", EndScript,
            [HoldKeys.Seat(hold.ScheduleId, hold.SeatNumber), HoldKeys.Record(hold.HoldId), HoldKeys.UserHolds(hold.UserId, hold.ScheduleId)],
            [HoldKeys.SeatValue(hold.HoldId, hold.UserId), hold.HoldId.ToString("N"), state, requireLive ? "1" : "0"]);
        return result == 1;
    }
}
