using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Ticketing.WaitingRoom;

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

    /// <summary>The caller has <see cref="HoldOptions.MaxPerUserPerSchedule"/> live holds on the schedule, or <see cref="HoldOptions.MaxPerUserPerConcert"/> on the concert.</summary>
    LimitReached,

    /// <summary>The caller's queue token left the active set (a payment revoked it, or it ran out) before the seat was taken.</summary>
    PassEnded,
}

/// <summary>
/// Holds in Redis. Every change is one Lua script, so the per-user cap, the seat lock and the record move
/// together (no check-then-act across round trips). The seat lock expires by itself (<c>PX</c>): no job frees seats.
/// </summary>
public sealed class HoldStore(IConnectionMultiplexer redis, SoldSeats soldSeats, IOptions<HoldOptions> options, TimeProvider clock)
{
    /// <summary>State of a hold that still has (or had, until expiry) its seat.</summary>
    public const string Held = "held";

    /// <summary>State after a successful payment.</summary>
    public const string Paid = "paid";

    /// <summary>State after the owner released it.</summary>
    public const string Released = "released";

    private static readonly TimeSpan RecordRetention = TimeSpan.FromDays(1);

    // What a script that reads a schedule's sold set answers when Redis does not have the set loaded.
    private const long NotLoaded = -2;

    // KEYS: seat, record, userHolds, sold, userConcertHolds, the concert's active set, the queue token's record, the user's cool-down
    // on the seat. ARGV: seatValue, durationMs, nowMs, max per schedule, recordTtlMs, seatNumber, queueTokenId, max per concert,
    // cooldownMs, then the record's field/value pairs. Returns 1 created, 0 seat held or sold (or the caller's cool-down on it), -1
    // a per-user limit, -2 sold set not loaded, -3 the queue token is no longer in the active set (checked here, atomically with the
    // seat lock, so a payment's revocation and a hold never interleave). A created hold keeps the queue pass ACTIVE at least until
    // the hold ends (holdUntil on the token, the active set's score raised), whatever the pass's max lifetime.
    private const string CreateScript = """
        local active_until = redis.call('ZSCORE', KEYS[6], ARGV[7])
        if not active_until or tonumber(active_until) <= tonumber(ARGV[3]) then return -3 end
        if redis.call('SISMEMBER', KEYS[4], '0') == 0 then return -2 end
        if redis.call('SISMEMBER', KEYS[4], ARGV[6]) == 1 then return 0 end
        if redis.call('EXISTS', KEYS[8]) == 1 then return 0 end
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
        if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return -1 end
        redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[3])
        if redis.call('ZCARD', KEYS[5]) >= tonumber(ARGV[8]) then return -1 end
        if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
        local fields = {}
        for i = 10, #ARGV do fields[#fields + 1] = ARGV[i] end
        redis.call('HSET', KEYS[2], unpack(fields))
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        local holdId = string.sub(ARGV[1], 1, 32)
        local expiry = tonumber(ARGV[3]) + tonumber(ARGV[2])
        redis.call('ZADD', KEYS[3], expiry, holdId)
        redis.call('PEXPIRE', KEYS[3], ARGV[2])
        redis.call('ZADD', KEYS[5], expiry, holdId)
        redis.call('PEXPIRE', KEYS[5], ARGV[2])
        if tonumber(ARGV[9]) > 0 then redis.call('SET', KEYS[8], '1', 'PX', tonumber(ARGV[2]) + tonumber(ARGV[9])) end
        if tonumber(redis.call('HGET', KEYS[7], 'holdUntil') or '0') < expiry then redis.call('HSET', KEYS[7], 'holdUntil', expiry) end
        if tonumber(active_until) < expiry then redis.call('ZADD', KEYS[6], expiry, ARGV[7]) end
        return 1
        """;

    // KEYS: sold, then the seat locks of seats 1..n. Returns -2 when the sold set is not loaded, else one state per seat:
    // 2 sold, 1 held, 0 available. One SMEMBERS and one MGET rather than two commands per seat: Redis CPU per seat-map request
    // 80 -> 47 µs in ./bench.sh.
    private const string SeatStatesScript = """
        if redis.call('SISMEMBER', KEYS[1], '0') == 0 then return -2 end
        local sold = {}
        for _, n in ipairs(redis.call('SMEMBERS', KEYS[1])) do sold[tonumber(n)] = true end
        local held = redis.call('MGET', unpack(KEYS, 2))
        local states = {}
        for i = 1, #KEYS - 1 do
          if sold[i] then states[i] = 2 elseif held[i] then states[i] = 1 else states[i] = 0 end
        end
        return states
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

    // KEYS: seat, record, userHolds, sold, userConcertHolds, the owner's cool-down on the seat. ARGV: seatValue, holdId, newState,
    // requireLive (1/0), seatNumber, cooldownMs. Compare-and-delete: only this hold's lock is removed, never a later hold of the same
    // seat. A paid hold's seat joins the sold set; a released one starts the owner's cool-down on the seat.
    private const string EndScript = """
        local live = redis.call('GET', KEYS[1]) == ARGV[1]
        if ARGV[4] == '1' and not live then return 0 end
        if live then redis.call('DEL', KEYS[1]) end
        if ARGV[3] == 'paid' then
          redis.call('SADD', KEYS[4], ARGV[5])
          redis.call('DEL', KEYS[6])
        elseif ARGV[3] == 'released' and tonumber(ARGV[6]) > 0 then
          redis.call('SET', KEYS[6], '1', 'PX', ARGV[6])
        end
        redis.call('ZREM', KEYS[3], ARGV[2])
        redis.call('ZREM', KEYS[5], ARGV[2])
        if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], 'state', ARGV[3]) end
        return 1
        """;

    private HoldOptions Options => options.Value;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Tries to hold <paramref name="seatNumber"/> for <paramref name="userId"/> for <see cref="HoldOptions.Duration"/>: one Lua
    /// script refuses a sold seat (the schedule's sold set, loaded from Postgres first if Redis does not have it), enforces the
    /// per-user cap and takes the seat lock (<c>SET NX PX</c>). Returns the outcome and, when created, the record.
    /// </summary>
    /// <exception cref="RedisException">Redis did not answer.</exception>
    public async Task<(HoldCreateOutcome Outcome, HoldRecord? Hold)> TryCreateAsync(
        Guid userId, Guid queueTokenId, Guid concertId, Guid scheduleId, int seatNumber, string grade, long price)
    {
        var now = clock.GetUtcNow();
        var duration = (long)Options.Duration.TotalMilliseconds;
        var hold = new HoldRecord(Guid.CreateVersion7(), userId, concertId, scheduleId, seatNumber, grade, price,
            now.AddMilliseconds(duration), Held);
        RedisValue[] args =
        [
            HoldKeys.SeatValue(hold.HoldId, userId), duration, now.ToUnixTimeMilliseconds(), Options.MaxPerUserPerSchedule,
            (long)(Options.Duration + RecordRetention).TotalMilliseconds, seatNumber, queueTokenId.ToString("N"),
            Options.MaxPerUserPerConcert, (long)Options.ReholdCooldown.TotalMilliseconds,
            "userId", userId.ToString("N"), "concertId", concertId.ToString("N"), "scheduleId", scheduleId.ToString("N"),
            "seatNumber", seatNumber, "grade", grade, "price", price, "expiresAt", hold.ExpiresAt.ToUnixTimeMilliseconds(), "state", Held,
        ];
        RedisKey[] keys =
        [
            HoldKeys.Seat(scheduleId, seatNumber), HoldKeys.Record(hold.HoldId), HoldKeys.UserHolds(userId, scheduleId),
            HoldKeys.Sold(scheduleId), HoldKeys.UserConcertHolds(userId, concertId), QueueKeys.Active(concertId),
            QueueKeys.Token(queueTokenId), HoldKeys.Cooldown(userId, scheduleId, seatNumber),
        ];
        var result = (long)await EvaluateWithSoldSetAsync("hold-create", CreateScript, keys, args, scheduleId);
        return result switch
        {
            1 => (HoldCreateOutcome.Created, hold),
            -1 => (HoldCreateOutcome.LimitReached, null),
            -3 => (HoldCreateOutcome.PassEnded, null),
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

    /// <summary>Ends a hold after its seat was sold (to its owner or, in a race, to someone else); the seat joins the schedule's sold set.</summary>
    public Task MarkPaidAsync(HoldRecord hold) => EndAsync(hold, Paid, requireLive: false);

    /// <summary>Releases a live hold at its owner's request; false when it was no longer live.</summary>
    public Task<bool> ReleaseAsync(HoldRecord hold) => EndAsync(hold, Released, requireLive: true);

    /// <summary>
    /// The status of seats 1..<paramref name="seatCount"/> of a schedule right now, in one script: SOLD (the sold set, loaded from
    /// Postgres first if Redis does not have it) wins over HELD (a seat lock exists), else AVAILABLE. Index i is seat i + 1.
    /// </summary>
    /// <exception cref="RedisException">Redis did not answer.</exception>
    public async Task<string[]> SeatStatesAsync(Guid scheduleId, int seatCount)
    {
        RedisKey[] keys = [HoldKeys.Sold(scheduleId), .. Enumerable.Range(1, seatCount).Select(n => (RedisKey)HoldKeys.Seat(scheduleId, n))];
        var result = await EvaluateWithSoldSetAsync("seat-states", SeatStatesScript, keys, [], scheduleId);
        return ((long[])result!).Select(state => state switch
        {
            2 => Catalog.SeatStatus.Sold,
            1 => Catalog.SeatStatus.Held,
            _ => Catalog.SeatStatus.Available,
        }).ToArray();
    }

    // Runs a script that reads the schedule's sold set; one that answers NotLoaded found no loaded set, which is then loaded from
    // Postgres (SoldSeats) and the script run again.
    private async Task<RedisResult> EvaluateWithSoldSetAsync(string name, string script, RedisKey[] keys, RedisValue[] args, Guid scheduleId)
    {
        var result = await Db.EvaluateTracedAsync(name, script, keys, args);
        if (result.Resp2Type == ResultType.Integer && (long)result == NotLoaded)
        {
            await soldSeats.LoadAsync(scheduleId);
            result = await Db.EvaluateTracedAsync(name, script, keys, args);
        }

        return result;
    }

    private async Task<bool> EndAsync(HoldRecord hold, string state, bool requireLive)
    {
        var result = (long)await Db.EvaluateTracedAsync("hold-end", EndScript,
            [
                HoldKeys.Seat(hold.ScheduleId, hold.SeatNumber), HoldKeys.Record(hold.HoldId), HoldKeys.UserHolds(hold.UserId, hold.ScheduleId),
                HoldKeys.Sold(hold.ScheduleId), HoldKeys.UserConcertHolds(hold.UserId, hold.ConcertId),
                HoldKeys.Cooldown(hold.UserId, hold.ScheduleId, hold.SeatNumber),
            ],
            [HoldKeys.SeatValue(hold.HoldId, hold.UserId), hold.HoldId.ToString("N"), state, requireLive ? "1" : "0", hold.SeatNumber,
                (long)Options.ReholdCooldown.TotalMilliseconds]);
        return result == 1;
    }
}
