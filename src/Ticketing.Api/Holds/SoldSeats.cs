using Dapper;
using Npgsql;
using StackExchange.Redis;
using Ticketing.Api.Data.Model;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Holds;

/// <summary>
/// Redis's copy of a schedule's sold seats (<see cref="HoldKeys.Sold"/>), which lets a hold of a sold seat be refused without
/// Postgres. Postgres's <c>reservations</c> stay the arbiter; the copy only follows them:
/// <list type="bullet">
/// <item>a payment adds its seat at commit (<see cref="HoldStore.MarkPaidAsync"/>);</item>
/// <item>a cancellation takes its seat out after commit (<see cref="ReleaseAsync"/>), which also moves the schedule's release counter
/// (<see cref="HoldKeys.SoldVersion"/>);</item>
/// <item>a set that was never loaded, or was lost with Redis's data, is loaded from the CONFIRMED reservations (<see cref="LoadAsync"/>).
/// The load adds only if the release counter is where it was before Postgres was read, so a seat released meanwhile is never put
/// back; a payment committing meanwhile is never lost either (both only add).</item>
/// </list>
/// </summary>
public sealed class SoldSeats(NpgsqlDataSource dataSource, IConnectionMultiplexer redis)
{
    // KEYS: sold, version. ARGV: the version read before Postgres ('' when none), then the members. 1 added, 0 the version moved.
    private const string LoadScript = """
        if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
        redis.call('SADD', KEYS[1], unpack(ARGV, 2))
        return 1
        """;

    // KEYS: sold, version. ARGV: the seat numbers to take out. Returns the new version.
    private const string ReleaseScript = """
        redis.call('SREM', KEYS[1], unpack(ARGV))
        return redis.call('INCR', KEYS[2])
        """;

    /// <summary>
    /// Reads the schedule's CONFIRMED reservations and adds their seats, and the loaded marker, to its sold set; reads again (up to 5
    /// times) while a release moves the counter between the read and the add.
    /// </summary>
    /// <exception cref="NpgsqlException">Postgres did not answer.</exception>
    /// <exception cref="RedisException">Redis did not answer, or releases kept moving the counter (5 times in a row).</exception>
    public async Task LoadAsync(Guid scheduleId)
    {
        var db = redis.GetDatabase();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var version = (string?)await db.TracedAsync("GET", "sold-version", () => db.StringGetAsync(HoldKeys.SoldVersion(scheduleId))) ?? "";
            await using var connection = await dataSource.OpenConnectionAsync();
            var seats = await connection.QueryAsync<int>(
                "SELECT seat_number FROM reservations WHERE schedule_id = @scheduleId AND status = @confirmed",
                new { scheduleId, confirmed = Reservation.Confirmed });
            RedisValue[] args = [version, HoldKeys.SoldLoadedMarker, .. seats.Select(s => (RedisValue)s)];
            if ((long)await db.EvaluateTracedAsync("sold-load", LoadScript, [HoldKeys.Sold(scheduleId), HoldKeys.SoldVersion(scheduleId)], args) == 1)
            {
                return;
            }
        }

        throw new RedisException($"The sold seats of schedule {scheduleId} kept changing while they were loaded.");
    }

    /// <summary>
    /// Puts seats whose reservations were cancelled (committed in Postgres) back on sale in Redis: out of the sold set, and the
    /// release counter moved, in one script.
    /// </summary>
    /// <exception cref="RedisException">Redis did not answer; the cancellation's outbox row stays pending and is delivered later.</exception>
    public async Task ReleaseAsync(Guid scheduleId, IReadOnlyCollection<int> seatNumbers)
    {
        if (seatNumbers.Count == 0)
        {
            return;
        }

        var db = redis.GetDatabase();
        await db.EvaluateTracedAsync("sold-release", ReleaseScript, [HoldKeys.Sold(scheduleId), HoldKeys.SoldVersion(scheduleId)],
            [.. seatNumbers.Select(n => (RedisValue)n)]);
    }
}
