using Microsoft.EntityFrameworkCore;
using Npgsql;
using Ticketing.Api.Data.Model;

namespace Ticketing.Api.Data;

/// <summary>
/// Seeds the development catalog when <c>Ticketing:Catalog:SeedDevData</c> is true: 3 concerts × 3 schedules
/// × 50 seats in three grades (VIP 1–10: 150,000 points, R 11–30: 110,000, S 31–50: 80,000). Ids are
/// fixed, so a second start changes nothing (only what is missing is inserted). Booking windows are set
/// relative to the first seeding: open since a day before, closing a day before each show (30–90 days on).
/// </summary>
public sealed class DevCatalogSeeder(IServiceProvider services, TimeProvider clock, ILogger<DevCatalogSeeder> logger)
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

    /// <summary>
    /// Inserts whatever part of the dev catalog is missing, in one <c>SaveChanges</c> (one transaction): missing concerts,
    /// and missing schedules with their 50 seats. Another Api instance seeding the same database at the same moment makes
    /// this one's insert fail on a primary key; that instance's catalog is the same, so this one logs it and goes on.
    /// </summary>
    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        var concertIds = Enumerable.Range(0, Concerts.Length).Select(c => DevId(c, 0)).ToList();
        var existingConcerts = await db.Concerts.Where(c => concertIds.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
        var existingSchedules = await db.Schedules.Where(s => concertIds.Contains(s.ConcertId)).Select(s => s.Id).ToListAsync(cancellationToken);
        var inserted = 0;
        for (var c = 0; c < Concerts.Length; c++)
        {
            var concertId = DevId(c, 0);
            if (!existingConcerts.Contains(concertId))
            {
                db.Concerts.Add(new Concert { Id = concertId, Title = Concerts[c].Title, Performer = Concerts[c].Performer, Venue = Concerts[c].Venue });
                inserted++;
            }

            for (var s = 1; s <= 3; s++)
            {
                var scheduleId = DevId(c, s);
                if (existingSchedules.Contains(scheduleId))
                {
                    continue;
                }

                var startsAt = new DateTimeOffset(now.Date.AddDays(30 * s + c).AddHours(19), TimeSpan.Zero);
                db.Schedules.Add(new Schedule
                {
                    Id = scheduleId,
                    ConcertId = concertId,
                    StartsAt = startsAt,
                    BookingOpensAt = now.AddDays(-1),
                    BookingClosesAt = startsAt.AddDays(-1),
                    Seats = [.. Grades.SelectMany(g => Enumerable.Range(g.From, g.To - g.From + 1)
                        .Select(n => new Seat { ScheduleId = scheduleId, SeatNumber = n, Grade = g.Grade, Price = g.Price }))],
                });
            }
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            logger.LogInformation("The development catalog was seeded by another Api instance at the same time");
            return;
        }

        if (inserted > 0)
        {
            logger.LogInformation("Seeded the development catalog: {Concerts} concerts, 3 schedules each, 50 seats per schedule", inserted);
        }
    }

    // Deterministic ids: 00000000-0000-0000-00cc-0000000000ss (c = concert, s = schedule, 0 = the concert itself).
    private static Guid DevId(int concert, int schedule) => Guid.Parse($"00000000-0000-0000-{concert + 1:D4}-{schedule:D12}");
}
