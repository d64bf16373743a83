using System.Net;
using Ticketing.Client;

namespace Ticketing.IntegrationTests.Support;

/// <summary>A concert and one schedule made through the organiser routes.</summary>
public sealed record TestShow(Guid ConcertId, Guid ScheduleId, string Title);

/// <summary>Puts shows on sale the way an organiser does: through <c>/api/admin</c> (API.md "Organiser").</summary>
public static class Shows
{
    /// <summary>The seat map the Web starts from: VIP 1–10, R 11–30, S 31–50.</summary>
    public static readonly IReadOnlyList<SeatBand> DefaultBands =
    [
        new(1, 10, "VIP", 150_000),
        new(11, 30, "R", 110_000),
        new(31, 50, "S", 80_000),
    ];

    /// <summary>The price of <paramref name="seatNumber"/> under <see cref="DefaultBands"/>.</summary>
    public static long PriceOf(int seatNumber) => DefaultBands.Single(b => seatNumber >= b.From && seatNumber <= b.To).Price;

    /// <summary>A schedule 30 days on whose booking window opened an hour ago and closes a day before the show.</summary>
    public static NewSchedule OnSaleNow(IReadOnlyList<SeatBand>? bands = null)
    {
        var startsAt = DateTimeOffset.UtcNow.AddDays(30);
        return new NewSchedule(startsAt, DateTimeOffset.UtcNow.AddHours(-1), startsAt.AddDays(-1), bands ?? DefaultBands);
    }

    /// <summary>Creates a concert of <paramref name="organiser"/> with one schedule on sale now (<see cref="OnSaleNow"/>).</summary>
    public static async Task<TestShow> CreateAsync(ApiDriver api, TestUser organiser, string? title = null)
    {
        title ??= $"Show {Guid.NewGuid():N}";
        var client = api.As(organiser);
        var concert = (await client.CreateConcertAsync(new NewConcert(title, "Test Performer", "Test Hall"))).ShouldReturn(HttpStatusCode.Created);
        var schedule = (await client.CreateScheduleAsync(concert.ConcertId, OnSaleNow())).ShouldReturn(HttpStatusCode.Created);
        return new TestShow(concert.ConcertId, schedule.ScheduleId, title);
    }

    /// <summary>A new user with <paramref name="balance"/> points, admitted to the show's concert, who holds and pays <paramref name="seatNumber"/>.</summary>
    public static async Task<(TestUser Buyer, Payment Payment)> BuyAsync(ApiDriver api, TestShow show, int seatNumber, long balance = 1_000_000)
    {
        var buyer = await api.CreateUserAsync(initialBalance: balance);
        var ticket = await api.AdmitAsync(buyer, show.ConcertId);
        var holdId = await api.HoldOkAsync(buyer, ticket, show.ScheduleId, seatNumber);
        var payment = (await api.PayAsync(buyer, ticket, holdId)).ShouldReturn(HttpStatusCode.Created);
        return (buyer, payment);
    }
}
