using System.Net;
using Ticketing.IntegrationTests.Support;
using Ticketing.Client;
using static Ticketing.IntegrationTests.Support.Polling;

namespace Ticketing.IntegrationTests.Api;

public class CatalogAndHoldsTests(DefaultSystem system)
{
    private readonly ApiDriver _api = system.Driver;

    [Fact]
    public async Task The_concert_list_is_public_and_shows_a_new_concert_within_seconds_of_its_commit()
    {
        // The list is served from memory and the output cache; a catalog commit notifies the Api (LISTEN/NOTIFY), which reloads.
        (await _api.Anonymous.GetConcertsAsync()).ShouldReturn();
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, title: "Public listing " + Guid.NewGuid());
        var seen = await EventuallyAsync(async () => (await _api.Anonymous.GetConcertsAsync()).ShouldReturn(),
            concerts => concerts.Any(c => c.ConcertId == concert.ConcertId), TimeSpan.FromSeconds(5));
        seen.ShouldContain(c => c.ConcertId == concert.ConcertId && c.Title.StartsWith("Public listing ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_edit_of_a_booking_window_reaches_holds_within_seconds_of_its_commit()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 1);

        await TestCatalog.ScalarAsync<int>(system.Postgres,
            "UPDATE schedules SET booking_closes_at = now() - interval '1 minute', booking_opens_at = now() - interval '1 day' WHERE id = @id RETURNING 1",
            new { id = concert.ScheduleIds[0] });
        var refused = await EventuallyAsync(() => _api.HoldAsync(user, ticket, concert.ScheduleIds[0], 2),
            // Until the edit arrives the hold may still succeed (and then the seat is taken: SEAT_UNAVAILABLE); the window is checked first.
            response => response.Problem()?.Code == "BOOKING_CLOSED", TimeSpan.FromSeconds(5));
        refused.ShouldBeProblem(409, "BOOKING_CLOSED");
    }

    [Fact]
    public async Task A_sold_seat_stays_sold_when_Redis_has_lost_the_schedules_sold_set()
    {
        // Holds and the seat map learn SOLD from Redis (written at each payment's commit); a set that is missing is loaded from
        // Postgres's reservations first, so a seat sold before Redis lost its data is never offered again.
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var scheduleId = concert.ScheduleIds[0];
        var buyer = await _api.CreateUserAsync(initialBalance: 1_000_000);
        var ticket = await _api.AdmitAsync(buyer, concert.ConcertId);
        (await _api.PayAsync(buyer, ticket, await _api.HoldOkAsync(buyer, ticket, scheduleId, 7))).ShouldHaveStatus(HttpStatusCode.Created);
        using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(system.System.Redis))
        {
            (await redis.GetDatabase().KeyDeleteAsync($"hold:sold:{scheduleId:N}")).ShouldBeTrue("the payment wrote the sold set");
        }

        var other = await _api.CreateUserAsync(initialBalance: 1_000_000);
        var otherTicket = await _api.AdmitAsync(other, concert.ConcertId);
        (await _api.HoldAsync(other, otherTicket, scheduleId, 7)).ShouldBeProblem(409, "SEAT_UNAVAILABLE");
        (await _api.As(other, otherTicket).GetSeatsAsync(scheduleId)).ShouldReturn()[6].Status.ShouldBe("SOLD");
        await _api.HoldOkAsync(other, otherTicket, scheduleId, 8);
    }

    [Fact]
    public async Task Schedules_list_only_open_booking_windows_with_seats_left()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, schedules: 2);
        await TestCatalog.ScalarAsync<int>(system.Postgres,
            "UPDATE schedules SET booking_opens_at = now() + interval '1 day' WHERE id = @id RETURNING 1", new { id = concert.ScheduleIds[1] });
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);

        // The edit reaches the Api's in-memory catalog by a Postgres notification, a few milliseconds after its commit.
        var schedules = await EventuallyAsync(async () => (await _api.As(user, ticket).GetSchedulesAsync(concert.ConcertId)).ShouldReturn(),
            list => list.Count == 1, TimeSpan.FromSeconds(5));
        schedules.Count.ShouldBe(1);
        schedules[0].ScheduleId.ShouldBe(concert.ScheduleIds[0]);
        schedules[0].TotalSeats.ShouldBe(50);
        schedules[0].AvailableSeats.ShouldBe(50);
    }

    [Fact]
    public async Task Seats_show_grade_price_and_available_held_sold()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var scheduleId = concert.ScheduleIds[0];
        var buyer = await _api.CreateUserAsync(initialBalance: 1_000_000);
        var ticket = await _api.AdmitAsync(buyer, concert.ConcertId);
        var sold = await _api.HoldOkAsync(buyer, ticket, scheduleId, 3);
        await _api.HoldOkAsync(buyer, ticket, scheduleId, 20);
        (await _api.PayAsync(buyer, ticket, sold)).ShouldHaveStatus(HttpStatusCode.Created);

        var viewer = await _api.CreateUserAsync();
        var viewerTicket = await _api.AdmitAsync(viewer, concert.ConcertId);
        var seats = (await _api.As(viewer, viewerTicket).GetSeatsAsync(scheduleId)).ShouldReturn();
        seats.Count.ShouldBe(50);
        seats.Select(s => s.SeatNumber).ShouldBe(Enumerable.Range(1, 50));
        seats[2].Status.ShouldBe("SOLD");
        seats[19].Status.ShouldBe("HELD");
        seats[0].Status.ShouldBe("AVAILABLE");
        seats[0].Grade.ShouldBe("VIP");
        seats[0].Price.ShouldBe(TestCatalog.VipPrice);
        seats[30].Price.ShouldBe(TestCatalog.RPrice);

        var schedules = (await _api.As(viewer, viewerTicket).GetSchedulesAsync(concert.ConcertId)).ShouldReturn();
        schedules[0].AvailableSeats.ShouldBe(48);
    }

    [Fact]
    public async Task Unknown_concert_and_schedule_answer_404_with_codes()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        (await _api.As(user, ticket).GetSchedulesAsync(Guid.NewGuid())).ShouldBeProblem(404, "CONCERT_NOT_FOUND");
        (await _api.As(user, ticket).GetSeatsAsync(Guid.NewGuid())).ShouldBeProblem(404, "SCHEDULE_NOT_FOUND");
    }

    [Fact]
    public async Task A_held_seat_answers_409_to_everyone_else_and_returns_after_release()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var scheduleId = concert.ScheduleIds[0];
        var alice = await _api.CreateUserAsync();
        var bob = await _api.CreateUserAsync();
        var aliceTicket = await _api.AdmitAsync(alice, concert.ConcertId);
        var bobTicket = await _api.AdmitAsync(bob, concert.ConcertId);

        var hold = (await _api.HoldAsync(alice, aliceTicket, scheduleId, 12)).ShouldReturn(HttpStatusCode.Created);
        hold.SeatNumber.ShouldBe(12);
        hold.Grade.ShouldBe("R");
        hold.Price.ShouldBe(TestCatalog.RPrice);
        hold.ExpiresAt.ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(4));
        var startsAt = await TestCatalog.ScalarAsync<DateTime>(system.Postgres, "SELECT starts_at FROM schedules WHERE id = @scheduleId", new { scheduleId });
        (hold.ConcertId, hold.StartsAt).ShouldBe((concert.ConcertId, new DateTimeOffset(startsAt, TimeSpan.Zero)));
        var read = (await _api.As(alice).GetHoldAsync(hold.HoldId)).ShouldReturn();
        (read.ScheduleId, read.SeatNumber, read.ConcertId, read.StartsAt).ShouldBe((scheduleId, 12, hold.ConcertId, hold.StartsAt));
        var holdId = hold.HoldId;

        (await _api.HoldAsync(bob, bobTicket, scheduleId, 12)).ShouldBeProblem(409, "SEAT_UNAVAILABLE");
        (await _api.As(bob).ReleaseHoldAsync(holdId)).ShouldBeProblem(404, "HOLD_NOT_FOUND");
        (await _api.As(alice).ReleaseHoldAsync(holdId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _api.As(alice).ReleaseHoldAsync(holdId)).ShouldBeProblem(404, "HOLD_NOT_FOUND");
        (await _api.HoldAsync(bob, bobTicket, scheduleId, 12)).ShouldHaveStatus(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    [InlineData(-3)]
    public async Task Seats_outside_1_to_50_are_not_found(int seatNumber)
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        (await _api.HoldAsync(user, ticket, concert.ScheduleIds[0], seatNumber)).ShouldBeProblem(404, "SEAT_NOT_FOUND");
        (await _api.HoldAsync(user, ticket, Guid.NewGuid(), 5)).ShouldBeProblem(404, "SEAT_NOT_FOUND");
    }

    [Fact]
    public async Task A_schedule_outside_its_booking_window_cannot_be_held()
    {
        // The concert is on sale (its first date is), its second date's booking opens in five days.
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, schedules: 2, opensAt: [null, DateTimeOffset.UtcNow.AddDays(5)]);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        (await _api.HoldAsync(user, ticket, concert.ScheduleIds[1], 5)).ShouldBeProblem(409, "BOOKING_CLOSED");
    }

    [Fact]
    public async Task A_user_may_hold_at_most_four_seats_of_one_schedule_and_of_one_concert()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, schedules: 2);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        for (var seat = 1; seat <= 4; seat++)
        {
            await _api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], seat);
        }

        (await _api.HoldAsync(user, ticket, concert.ScheduleIds[0], 5)).ShouldBeProblem(409, "HOLD_LIMIT_REACHED");
        // Four per concert too (API.md "Limits"): another date of the same concert is refused until a hold ends.
        (await _api.HoldAsync(user, ticket, concert.ScheduleIds[1], 5)).ShouldBeProblem(409, "HOLD_LIMIT_REACHED");
    }

    [Fact]
    public async Task Fifty_concurrent_holds_on_one_seat_have_exactly_one_winner()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        // The users are inserted, not signed up: fifty PBKDF2 sign-ups at once are a test of sign-up, not of holds (on a busy
        // 2-core CI machine they once took 35 s and a 503 before the holds began).
        var users = await system.System.CreateUsersAsync(50);
        var tickets = await Task.WhenAll(users.Select(u => _api.AdmitAsync(u, concert.ConcertId)));

        var responses = await Task.WhenAll(users.Select((u, i) => _api.HoldAsync(u, tickets[i], concert.ScheduleIds[0], 25)));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).ShouldBe(49);
        foreach (var loser in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            loser.ShouldBeProblem(409, "SEAT_UNAVAILABLE");
        }
    }

    [Fact]
    public async Task Holding_without_a_body_field_is_a_400()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(user, concert.ConcertId);
        // Raw HTTP: the typed client always sends a schedule id.
        await (await _api.SendAsync(HttpMethod.Post, "/api/holds", user, new { seatNumber = 3 }, ticket.Token)).ShouldBeProblemAsync(400, "INVALID_REQUEST");
    }
}
