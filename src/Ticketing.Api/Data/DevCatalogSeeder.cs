using Dapper;
using Npgsql;

namespace Ticketing.Api.Data;

/// <summary>
/// Seeds the development catalog when <c>Ticketing:Catalog:SeedDevData</c> is true: 3 concerts × 3 schedules
/// × 50 seats in three grades (VIP 1–10: 150,000 points, R 11–30: 110,000, S 31–50: 80,000). Ids are
/// fixed, so a second start changes nothing (<c>ON CONFLICT DO NOTHING</c>). Booking windows are set
/// relative to the first seeding: open since a day before, closing a day before each show (30–90 days on).
/// </summary>
public sealed class DevCatalogSeeder(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<DevCatalogSeeder> logger)
{
    private static readonly (string Title, string Performer, string Venue)[] Concerts =
    [
        ("Winter Lights Orchestra", "Seoul Philharmonic", "Lotte Concert Hall"),
        ("Anime OST Night", "Studio Strings Ensemble", "Blue Square Hall"),
        ("Indie Rooftop Live", "The Midnight Ferns", "Rolling Hall"),
    ];

    /// <summary>The seat grades of the dev catalog: (grade, first seat, last seat, price in points).</summary>
    public static readonly IReadOnlyList<(string Grade, int From, int To, long Price)> Grades =
    [
        ("VIP", 1, 10, 150_000),
        ("R", 11, 30, 110_000),
        ("S", 31, 50, 80_000),
    ];

    /// <summary>Inserts whatever part of the dev catalog is missing, in one transaction.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = 0;
        for (var c = 0; c < Concerts.Length; c++)
        {
            var concertId = DevId(c, 0);
            inserted += await connection.ExecuteAsync(
                "INSERT INTO concerts (id, title, performer, venue) VALUES (@concertId, @Title, @Performer, @Venue) ON CONFLICT DO NOTHING",
                new { concertId, Concerts[c].Title, Concerts[c].Performer, Concerts[c].Venue }, transaction);
            for (var s = 1; s <= 3; s++)
            {
                var scheduleId = DevId(c, s);
                var startsAt = now.Date.AddDays(30 * s + c).AddHours(19);
                var added = await connection.ExecuteAsync("""
                    INSERT INTO schedules (id, concert_id, starts_at, booking_opens_at, booking_closes_at)
                    VALUES (@scheduleId, @concertId, @startsAt, @opensAt, @closesAt) ON CONFLICT DO NOTHING
                    """,
                    new { scheduleId, concertId, startsAt = new DateTimeOffset(startsAt, TimeSpan.Zero), opensAt = now.AddDays(-1), closesAt = new DateTimeOffset(startsAt, TimeSpan.Zero).AddDays(-1) },
                    transaction);
                if (added == 0)
                {
                    continue;
                }

                foreach (var (grade, from, to, price) in Grades)
                {
                    await connection.ExecuteAsync("""
                        INSERT INTO seats (schedule_id, seat_number, grade, price)
                        SELECT @scheduleId, n, @grade, @price FROM generate_series(@from, @to) AS n
                        ON CONFLICT DO NOTHING
                        """, new { scheduleId, grade, price, from, to }, transaction);
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);
        if (inserted > 0)
        {
            logger.LogInformation("Seeded the development catalog: {Concerts} concerts, 3 schedules each, 50 seats per schedule", inserted);
        }
    }

    // Deterministic ids: 00000000-0000-0000-00cc-0000000000ss (c = concert, s = schedule, 0 = the concert itself).
    private static Guid DevId(int concert, int schedule) => Guid.Parse($"00000000-0000-0000-{concert + 1:D4}-{schedule:D12}");
}
