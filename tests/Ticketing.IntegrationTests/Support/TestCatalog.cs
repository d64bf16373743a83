using Dapper;
using Npgsql;

namespace Ticketing.IntegrationTests.Support;

/// <summary>A concert created for one test: its own waiting room and its own schedules, so tests never share state.</summary>
public sealed record TestConcert(Guid ConcertId, IReadOnlyList<Guid> ScheduleIds);

/// <summary>
/// Writes catalog rows straight into the real Postgres (the Api has no admin routes). Seats 1–10 are
/// grade VIP at <see cref="VipPrice"/> points, 11–50 grade R at <see cref="RPrice"/>.
/// </summary>
public static class TestCatalog
{
    public const long VipPrice = 150_000;
    public const long RPrice = 90_000;

    public static long PriceOf(int seatNumber) => seatNumber <= 10 ? VipPrice : RPrice;

    /// <summary>
    /// A concert with <paramref name="schedules"/> dates 30, 31, … days ahead; date i's booking opens at <paramref name="opensAt"/>[i]
    /// when given, else a day ago (the sale is on). The concert's sale opens at the earliest: before it, joins wait in the pre-queue.
    /// </summary>
    public static async Task<TestConcert> CreateConcertAsync(
        string postgres, int schedules = 1, IReadOnlyList<DateTimeOffset?>? opensAt = null, string? title = null)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var concertId = Guid.NewGuid();
        await connection.ExecuteAsync("INSERT INTO concerts (id, title, performer, venue) VALUES (@concertId, @title, 'Test Performer', 'Test Hall')",
            new { concertId, title = title ?? $"Test concert {concertId:N}" }, transaction);
        var ids = new List<Guid>();
        var now = DateTime.UtcNow;
        for (var i = 0; i < schedules; i++)
        {
            var scheduleId = Guid.NewGuid();
            var startsAt = now.AddDays(30 + i);
            var (opens, closes) = (opensAt?.ElementAtOrDefault(i)?.UtcDateTime ?? now.AddDays(-1), startsAt.AddDays(-1));
            await connection.ExecuteAsync("""
                INSERT INTO schedules (id, concert_id, starts_at, booking_opens_at, booking_closes_at)
                VALUES (@scheduleId, @concertId, @startsAt, @opens, @closes)
                """, new { scheduleId, concertId, startsAt, opens, closes }, transaction);
            await connection.ExecuteAsync("""
                INSERT INTO seats (schedule_id, seat_number, grade, price)
                SELECT @scheduleId, n, CASE WHEN n <= 10 THEN 'VIP' ELSE 'R' END, CASE WHEN n <= 10 THEN @vip ELSE @r END
                FROM generate_series(1, 50) AS n
                """, new { scheduleId, vip = VipPrice, r = RPrice }, transaction);
            ids.Add(scheduleId);
        }

        await transaction.CommitAsync();
        return new TestConcert(concertId, ids);
    }

    public static async Task<T> ScalarAsync<T>(string postgres, string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(postgres);
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }
}
