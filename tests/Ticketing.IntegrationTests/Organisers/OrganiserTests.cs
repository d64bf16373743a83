using System.Net;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Organisers;

/// <summary>
/// The organiser's side over HTTP on the real system (API.md "Organiser"; issue 17): putting a show on sale, watching it sell,
/// moving its window, cancelling it; and who may do what.
/// </summary>
public class OrganiserTests(DefaultSystem system)
{
    private readonly ApiDriver _api = system.Driver;

    [Fact]
    public async Task An_organiser_puts_a_show_on_sale_sees_it_sell_and_cancels_it_and_every_buyer_is_refunded_once()
    {
        var organiser = await _api.OrganiserAsync("organiser-a");
        var me = (await _api.As(organiser).GetCurrentUserAsync()).ShouldReturn();
        me.Name.ShouldBe("organiser-a");
        me.Roles.ShouldBe([ApiContract.Roles.Organiser]);

        var title = $"Organiser journey {Guid.NewGuid():N}";
        var concert = (await _api.As(organiser).CreateConcertAsync(new NewConcert(title, "The Testers", "Hall 1"))).ShouldReturn(HttpStatusCode.Created);
        concert.Title.ShouldBe(title);
        var created = (await _api.As(organiser).CreateScheduleAsync(concert.ConcertId, Shows.OnSaleNow())).ShouldReturn(HttpStatusCode.Created);
        created.TotalSeats.ShouldBe(50);
        created.Cancelled.ShouldBeFalse();
        var show = new TestShow(concert.ConcertId, created.ScheduleId, title);

        // The shop learns of it within 5 s (catalog change notifications; the concert list is output-cached until then).
        await Polling.EventuallyAsync(async () => (await _api.Anonymous.GetConcertsAsync()).ShouldReturn(), list => list.Any(c => c.ConcertId == concert.ConcertId),
            TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
        var mine = (await _api.As(organiser).GetMyConcertsAsync()).ShouldReturn().Single(c => c.ConcertId == concert.ConcertId);
        mine.Schedules!.Single().ScheduleId.ShouldBe(created.ScheduleId);

        // Buyers see the seat map the organiser made, and buy.
        var (first, firstPayment) = await Shows.BuyAsync(_api, show, 5);
        firstPayment.Amount.ShouldBe(150_000);
        var (second, secondPayment) = await Shows.BuyAsync(_api, show, 40);
        secondPayment.Amount.ShouldBe(80_000);
        var holder = await _api.CreateUserAsync();
        var holderTicket = await _api.AdmitAsync(holder, show.ConcertId);
        var seats = (await _api.As(holder, holderTicket).GetSeatsAsync(show.ScheduleId)).ShouldReturn();
        seats.Select(s => (s.Grade, s.Price)).Distinct().ShouldBe([("VIP", 150_000L), ("R", 110_000L), ("S", 80_000L)]);
        await _api.HoldOkAsync(holder, holderTicket, show.ScheduleId, 20);

        var sales = (await _api.As(organiser).GetSalesAsync(show.ScheduleId)).ShouldReturn();
        sales.ShouldBe(new ScheduleSales(show.ScheduleId, 50, Sold: 2, Held: 1, Available: 47, CancelledReservations: 0, Revenue: 230_000, Refunded: 0));

        // Cancelling the show refunds both buyers, takes it off sale, and a second cancel refunds nothing more.
        var cancelled = (await _api.As(organiser).CancelScheduleAsync(show.ScheduleId)).ShouldReturn();
        cancelled.ShouldBe(new ScheduleCancelled(show.ScheduleId, 2, 230_000));
        (await _api.BalanceAsync(first)).ShouldBe(1_000_000);
        (await _api.BalanceAsync(second)).ShouldBe(1_000_000);
        var refund = (await _api.As(first).GetHistoryAsync()).ShouldReturn()[0];
        (refund.Kind, refund.Amount, refund.BalanceAfter).ShouldBe(("REFUND", 150_000L, 1_000_000L));
        (await _api.As(first).GetReservationsAsync()).ShouldReturn().Single().Status.ShouldBe(ApiContract.ReservationStatus.Cancelled);
        (await _api.As(organiser).CancelScheduleAsync(show.ScheduleId)).ShouldReturn().ShouldBe(new ScheduleCancelled(show.ScheduleId, 0, 0));
        (await _api.BalanceAsync(first)).ShouldBe(1_000_000);

        var afterwards = (await _api.As(organiser).GetSalesAsync(show.ScheduleId)).ShouldReturn();
        (afterwards.Sold, afterwards.CancelledReservations, afterwards.Revenue, afterwards.Refunded).ShouldBe((0, 2, 0L, 230_000L));
        (await _api.As(organiser).GetMyConcertsAsync()).ShouldReturn().Single(c => c.ConcertId == concert.ConcertId).Schedules!.Single().Cancelled.ShouldBeTrue();
        (await _api.As(organiser).ChangeBookingWindowAsync(show.ScheduleId, new BookingWindowChange(BookingClosesAt: DateTimeOffset.UtcNow.AddDays(2))))
            .ShouldBeProblem(409, "SCHEDULE_CANCELLED");

        // Off sale for buyers within 5 s: holds are refused and the date leaves the list.
        var late = await _api.CreateUserAsync(initialBalance: 1_000_000);
        var lateTicket = await _api.AdmitAsync(late, show.ConcertId);
        await Polling.EventuallyAsync(async () => (await _api.HoldAsync(late, lateTicket, show.ScheduleId, 30)).StatusCode,
            status => status == HttpStatusCode.Conflict, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
        (await _api.HoldAsync(late, lateTicket, show.ScheduleId, 30)).ShouldBeProblem(409, "BOOKING_CLOSED");
        (await _api.As(late, lateTicket).GetSchedulesAsync(show.ConcertId)).ShouldReturn().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_moved_booking_window_reaches_the_buyers_within_five_seconds()
    {
        var organiser = await _api.OrganiserAsync("organiser-a");
        var show = await Shows.CreateAsync(_api, organiser);
        var buyer = await _api.CreateUserAsync();
        var ticket = await _api.AdmitAsync(buyer, show.ConcertId);
        (await _api.As(buyer, ticket).GetSchedulesAsync(show.ConcertId)).ShouldReturn().Count.ShouldBe(1);

        var opensLater = DateTimeOffset.UtcNow.AddDays(3);
        var moved = (await _api.As(organiser).ChangeBookingWindowAsync(show.ScheduleId, new BookingWindowChange(BookingOpensAt: opensLater))).ShouldReturn();
        moved.BookingOpensAt.ShouldBe(opensLater, TimeSpan.FromMilliseconds(1));
        await Polling.EventuallyAsync(async () => (await _api.As(buyer, ticket).GetSchedulesAsync(show.ConcertId)).ShouldReturn(), list => list.Count == 0,
            TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
        (await _api.HoldAsync(buyer, ticket, show.ScheduleId, 1)).ShouldBeProblem(409, "BOOKING_CLOSED");

        (await _api.As(organiser).ChangeBookingWindowAsync(show.ScheduleId, new BookingWindowChange(BookingOpensAt: DateTimeOffset.UtcNow.AddMinutes(-1)))).ShouldReturn();
        await Polling.EventuallyAsync(async () => (await _api.As(buyer, ticket).GetSchedulesAsync(show.ConcertId)).ShouldReturn(), list => list.Count == 1,
            TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Another_organiser_a_plain_user_a_forged_role_and_no_token_cannot_see_or_touch_a_show()
    {
        var owner = await _api.OrganiserAsync("organiser-a");
        var show = await Shows.CreateAsync(_api, owner);
        var (buyer, _) = await Shows.BuyAsync(_api, show, 12);
        var other = await _api.OrganiserAsync("organiser-b");
        var plain = await _api.CreateUserAsync();
        // Signed with another key: the role claim means nothing without the Api's signature.
        var forged = plain with
        {
            AccessToken = TestTokens.Sign("ticketing-access",
                new Dictionary<string, object> { ["sub"] = plain.UserId.ToString(), ["name"] = plain.Name, ["role"] = "organiser" },
                Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), DateTime.UtcNow, DateTime.UtcNow.AddHours(1)),
        };
        var change = new BookingWindowChange(BookingClosesAt: DateTimeOffset.UtcNow.AddDays(1));

        var stranger = _api.As(other);
        (await stranger.GetMyConcertsAsync()).ShouldReturn().ShouldNotContain(c => c.ConcertId == show.ConcertId);
        (await stranger.CreateScheduleAsync(show.ConcertId, Shows.OnSaleNow())).ShouldBeProblem(404, "CONCERT_NOT_FOUND");
        (await stranger.ChangeBookingWindowAsync(show.ScheduleId, change)).ShouldBeProblem(404, "SCHEDULE_NOT_FOUND");
        (await stranger.GetSalesAsync(show.ScheduleId)).ShouldBeProblem(404, "SCHEDULE_NOT_FOUND");
        (await stranger.CancelScheduleAsync(show.ScheduleId)).ShouldBeProblem(404, "SCHEDULE_NOT_FOUND");

        var user = _api.As(plain);
        (await user.GetCurrentUserAsync()).ShouldReturn().Roles.ShouldBeEmpty();
        (await user.GetMyConcertsAsync()).ShouldBeProblem(403, "FORBIDDEN");
        (await user.CreateConcertAsync(new NewConcert("Mine now", "Me", "Here"))).ShouldBeProblem(403, "FORBIDDEN");
        (await user.CancelScheduleAsync(show.ScheduleId)).ShouldBeProblem(403, "FORBIDDEN");
        (await _api.As(forged).CancelScheduleAsync(show.ScheduleId)).ShouldBeProblem(401, "UNAUTHORIZED");
        (await _api.Anonymous.CancelScheduleAsync(show.ScheduleId)).ShouldBeProblem(401, "UNAUTHORIZED");
        (await _api.Anonymous.GetCurrentUserAsync()).ShouldBeProblem(401, "UNAUTHORIZED");

        // Nothing moved: the buyer's seat is still sold and the show still on.
        (await _api.As(buyer).GetReservationsAsync()).ShouldReturn().Single().Status.ShouldBe(ApiContract.ReservationStatus.Confirmed);
        var sales = (await _api.As(owner).GetSalesAsync(show.ScheduleId)).ShouldReturn();
        (sales.Sold, sales.CancelledReservations).ShouldBe((1, 0));
        (await _api.As(owner).GetMyConcertsAsync()).ShouldReturn().Single(c => c.ConcertId == show.ConcertId).Schedules!.Single().Cancelled.ShouldBeFalse();
    }

    [Fact]
    public async Task Bad_input_on_every_organiser_route_is_a_4xx_with_a_code_and_writes_nothing()
    {
        // organiser-c is this test's alone, so its rows are what the refused requests could have written: other tests make
        // concerts and schedules on this system at the same time.
        var organiser = await _api.OrganiserAsync("organiser-c");
        var show = await Shows.CreateAsync(_api, organiser);
        var client = _api.As(organiser);
        var me = (await client.GetCurrentUserAsync()).ShouldReturn();
        var countConcerts = () => CountAsync("SELECT count(*) FROM concerts WHERE organiser_id = @id", me.UserId);
        var countSchedules = () => CountAsync("SELECT count(*) FROM schedules s JOIN concerts c ON c.id = s.concert_id WHERE c.organiser_id = @id", me.UserId);
        var concertsBefore = await countConcerts();
        var schedulesBefore = await countSchedules();

        foreach (var bad in new[]
        {
            new NewConcert("", "P", "V"), new NewConcert("   ", "P", "V"), new NewConcert(new string('x', 201), "P", "V"),
            new NewConcert("T", "P\u0000", "V"), new NewConcert("T", "P", "V\n"),
        })
        {
            (await client.CreateConcertAsync(bad)).ShouldBeProblem(400, "INVALID_REQUEST");
        }

        var start = DateTimeOffset.UtcNow.AddDays(10);
        var window = (Opens: start.AddDays(-5), Closes: start.AddDays(-1));
        foreach (var bands in new SeatBand[][]
        {
            [],
            [new(1, 49, "A", 100)],                                   // seat 50 missing
            [new(1, 30, "A", 100), new(30, 50, "B", 100)],            // seat 30 twice
            [new(0, 50, "A", 100)],
            [new(1, 51, "A", 100)],
            [new(50, 1, "A", 100)],
            [new(1, 50, "", 100)],
            [new(1, 50, new string('G', 17), 100)],
            [new(1, 50, "A", 0)],
            [new(1, 50, "A", -5)],
            [new(1, 50, "A", 10_000_001)],
        })
        {
            (await client.CreateScheduleAsync(show.ConcertId, new NewSchedule(start, window.Opens, window.Closes, bands))).ShouldBeProblem(400, "INVALID_SEAT_MAP");
        }

        foreach (var (opens, closes) in new[] { (window.Closes, window.Opens), (window.Opens, window.Opens), (window.Opens, start.AddHours(1)) })
        {
            (await client.CreateScheduleAsync(show.ConcertId, new NewSchedule(start, opens, closes, Shows.DefaultBands))).ShouldBeProblem(400, "INVALID_BOOKING_WINDOW");
        }

        (await client.CreateScheduleAsync(Guid.NewGuid(), Shows.OnSaleNow())).ShouldBeProblem(404, "CONCERT_NOT_FOUND");
        (await client.ChangeBookingWindowAsync(show.ScheduleId, new BookingWindowChange(BookingClosesAt: DateTimeOffset.UtcNow.AddDays(40))))
            .ShouldBeProblem(400, "INVALID_BOOKING_WINDOW"); // after the show starts
        (await client.ChangeBookingWindowAsync(Guid.NewGuid(), new BookingWindowChange())).ShouldBeProblem(404, "SCHEDULE_NOT_FOUND");
        (await client.GetSalesAsync(Guid.NewGuid())).ShouldBeProblem(404, "SCHEDULE_NOT_FOUND");
        (await client.CancelScheduleAsync(Guid.NewGuid())).ShouldBeProblem(404, "SCHEDULE_NOT_FOUND");

        // Malformed bodies and ids: the framework's 400/404, with a code, never a 500.
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Post, "/api/admin/concerts", new StringContent("{\"title\":", System.Text.Encoding.UTF8, "application/json")),
            (HttpMethod.Post, "/api/admin/concerts", new { title = 5, performer = true, venue = new[] { 1 } }),
            (HttpMethod.Post, $"/api/admin/concerts/{show.ConcertId}/schedules", new { startsAt = "tomorrow", seats = "all" }),
            (HttpMethod.Post, $"/api/admin/concerts/{show.ConcertId}/schedules", new { seats = new[] { new { from = 1.5, to = 50, grade = "A", price = 1 } } }),
            (HttpMethod.Post, $"/api/admin/concerts/{show.ConcertId}/schedules", new { seats = new[] { new { from = 1, to = 50, grade = "A", price = 1e30 } } }),
            (HttpMethod.Patch, $"/api/admin/schedules/{show.ScheduleId}", new { bookingOpensAt = 12 }),
        })
        {
            var response = await _api.SendAsync(method, path, organiser, body);
            ((int)response.StatusCode).ShouldBe(400, $"{method} {path}");
            (await response.ShouldBeProblemAsync(400, "INVALID_REQUEST")).ShouldNotBeNull();
        }

        foreach (var path in new[] { "/api/admin/schedules/not-a-guid/sales", "/api/admin/concerts/123/schedules" })
        {
            var response = await _api.SendAsync(path.EndsWith("sales") ? HttpMethod.Get : HttpMethod.Post, path, organiser, Shows.OnSaleNow());
            await response.ShouldBeProblemAsync(404, "NOT_FOUND");
        }

        (await countConcerts()).ShouldBe(concertsBefore);
        (await countSchedules()).ShouldBe(schedulesBefore);
        var unchanged = (await client.GetMyConcertsAsync()).ShouldReturn().Single(c => c.ConcertId == show.ConcertId).Schedules!.Single();
        unchanged.BookingClosesAt.ShouldBeLessThan(DateTimeOffset.UtcNow.AddDays(30));
    }

    private Task<long> CountAsync(string sql, Guid id) => TestCatalog.ScalarAsync<long>(system.Postgres, sql, new { id });
}
