using Dapper;
using Npgsql;
using StackExchange.Redis;
using Ticketing.WaitingRoom;
using Ticketing.WaitingRoom.Hosting;

namespace Ticketing.Api.Holds;

/// <summary>
/// Loads a schedule's sold seats from Postgres (its <c>reservations</c>, the arbiter) into Redis (<see cref="HoldKeys.Sold"/>),
/// for a set that was never loaded or was lost with Redis's data. Payments add to the set at commit; loading adds the seats
/// Postgres knows and the loaded marker. Both only add, so a payment committing while a load runs is never lost.
/// </summary>
public sealed class SoldSeats(NpgsqlDataSource dataSource, RedisConnection redis)
{
    /// <summary>Reads the schedule's reservations and adds their seats, and the loaded marker, to its sold set.</summary>
    /// <exception cref="NpgsqlException">Postgres did not answer.</exception>
    /// <exception cref="RedisException">Redis did not answer.</exception>
    public async Task LoadAsync(Guid scheduleId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var seats = await connection.QueryAsync<int>("SELECT seat_number FROM reservations WHERE schedule_id = @scheduleId", new { scheduleId });
        RedisValue[] members = [HoldKeys.SoldLoadedMarker, .. seats.Select(s => (RedisValue)s)];
        var db = redis.Database;
        await db.TracedAsync("SADD", "sold", () => db.SetAddAsync(HoldKeys.Sold(scheduleId), members));
    }
}
