using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;
using static Microsoft.Playwright.Assertions;

namespace Ticketing.IntegrationTests.Browser;

/// <summary>
/// The organiser side of the Web and the buyer's cancellation, in a real browser: an organiser ("web-organiser", one of
/// <see cref="TestSystem.OrganiserNames"/>) creates a concert and a show, a buyer buys and cancels a seat, the sales update on the
/// organiser's open page by themselves, and the show is cancelled; a plain user is refused. Screenshots in
/// <c>artifacts/screenshots/</c>. Tests share the organiser, so each looks only at the concert it made (a unique title).
/// </summary>
public partial class OrganiserBrowserTests(DefaultSystem fixture, Chromium chromium) : IClassFixture<Chromium>
{
    private const string Organiser = "web-organiser";
    private const string OrganiserPassword = "organiser-password-1";
    private const string BuyerPassword = "correct-horse-battery";

    // The sales refresh every 3 s; a new show reaches the buyers' routes within 5 s (API.md).
    private static readonly LocatorAssertionsToHaveTextOptions AfterARefresh = new() { Timeout = 15_000 };

    [Fact]
    public async Task An_organiser_sells_a_show_the_buyer_cancels_for_a_refund_the_sales_follow_without_a_reload_and_the_show_is_cancelled_with_refunds()
    {
        const string test = nameof(An_organiser_sells_a_show_the_buyer_cancels_for_a_refund_the_sales_follow_without_a_reload_and_the_show_is_cancelled_with_refunds);
        var api = fixture.Driver;
        await api.OrganiserAsync(Organiser);
        var title = $"Organiser Journey {Guid.NewGuid():N}"[..30];
        var web = await fixture.WebAsync();
        await using var organiser = await chromium.PersonAsync(web, test, "olga");
        await using var buyer = await chromium.PersonAsync(web, test, "bo");
        var o = organiser.Page;
        var b = buyer.Page;

        // The organiser signs in, finds the Organiser link and creates a concert.
        await SignInAsync(organiser, Organiser, OrganiserPassword);
        await o.GetByTestId("nav-organiser").ClickAsync();
        await o.GetByTestId("concert-title-input").FillAsync(title);
        await o.GetByTestId("concert-performer-input").FillAsync("The Test Quartet");
        await o.GetByTestId("concert-venue-input").FillAsync("Browser Hall");
        await organiser.ScreenshotAsync("new-concert");
        await o.GetByTestId("create-concert").ClickAsync();
        await o.WaitForURLAsync(new Regex("/Organiser/Concerts/[0-9a-f-]{36}$"));
        await Expect(o.GetByTestId("concert-title")).ToHaveTextAsync(title);

        // The show form starts from the default bands and a booking window open from now; the times are said to be UTC.
        await Expect(o.GetByTestId("band-grade")).ToHaveCountAsync(3);
        (await o.GetByTestId("band-grade").EvaluateAllAsync<string[]>("inputs => inputs.map(i => i.value)")).ShouldBe(["VIP", "R", "S"]);
        (await o.GetByTestId("band-price").EvaluateAllAsync<string[]>("inputs => inputs.map(i => i.value)")).ShouldBe(["150000", "110000", "80000"]);
        await Expect(o.GetByText("Show starts (UTC)")).ToBeVisibleAsync();
        await organiser.ScreenshotAsync("new-show-form");
        await o.GetByTestId("create-show").ClickAsync();
        await Expect(o.GetByTestId("notice")).ToContainTextAsync("added with 50 seats");
        await Expect(o.GetByTestId("show")).ToHaveCountAsync(1);
        await Expect(o.GetByTestId("show").GetByTestId("show-state")).ToHaveTextAsync("On sale");
        await organiser.ScreenshotAsync("show-added");

        // A buyer finds it in the shop and buys seat 12 (grade R, 110,000 points) through the pages.
        var buyerUser = await api.CreateUserAsync(initialBalance: 200_000);
        await SignInAsync(buyer, buyerUser.Name, BuyerPassword);
        var card = b.GetByTestId("concert").Filter(new() { HasText = title });
        await Polling.EventuallyAsync(async () =>
        {
            await b.GotoAsync("/");
            return await card.CountAsync();
        }, count => count == 1, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500));
        await buyer.ScreenshotAsync("shop");
        await card.GetByTestId("open-concert").ClickAsync();
        await b.GetByTestId("join").ClickAsync();
        await b.WaitForURLAsync(new Regex("/Schedules$"));
        await Polling.EventuallyAsync(async () =>
        {
            if (await b.GetByTestId("pick-schedule").CountAsync() == 0)
            {
                await b.ReloadAsync(); // the show reaches the buyers' routes within 5 s of its creation
            }

            return await b.GetByTestId("pick-schedule").CountAsync();
        }, count => count == 1, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500));
        await buyer.ScreenshotAsync("dates");
        await b.GetByTestId("pick-schedule").ClickAsync();
        await b.Locator("[data-testid=seat][data-seat='12']").ClickAsync();
        await Expect(b.GetByTestId("hold-price")).ToHaveTextAsync("110,000");
        await b.GetByTestId("pay").ClickAsync();
        var reservation = b.GetByTestId("reservation").Filter(new() { HasText = title });
        await Expect(reservation.GetByTestId("reservation-status")).ToHaveTextAsync("Confirmed");
        await buyer.ScreenshotAsync("bought");

        // The organiser opens the show's sales: one seat sold.
        await o.GetByTestId("open-show").ClickAsync();
        var match = ShowPath().Match(o.Url);
        match.Success.ShouldBeTrue(o.Url);
        var (concertId, scheduleId) = (Guid.Parse(match.Groups[1].Value), Guid.Parse(match.Groups[2].Value));
        await Expect(o.GetByTestId("sales-sold")).ToHaveTextAsync("1");
        await Expect(o.GetByTestId("sales-revenue")).ToHaveTextAsync("110,000");
        await Expect(o.GetByTestId("sales-refunded")).ToHaveTextAsync("0");
        await organiser.ScreenshotAsync("sales-one-sold");
        await o.EvaluateAsync("() => window.__sameDocument = true"); // gone if the page reloads

        // The buyer cancels from My reservations, after a confirmation that states the refund.
        await reservation.GetByTestId("cancel-reservation").ClickAsync();
        await Expect(b.GetByTestId("cancel-reservation-question")).ToHaveTextAsync(
            new Regex($"^Cancel seat 12 of {Regex.Escape(title)} on .+ UTC, and get 110,000 points back\\?$"));
        await buyer.ScreenshotAsync("cancel-confirmation");
        await b.GetByTestId("confirm-cancel-reservation").ClickAsync();
        await Expect(b.GetByTestId("notice")).ToContainTextAsync("110,000 points are back on your balance, which is now 200,000 points");
        await Expect(reservation.GetByTestId("reservation-status")).ToHaveTextAsync("Cancelled");
        await Expect(reservation.GetByTestId("refund")).ToHaveTextAsync("110,000");
        await Expect(reservation.GetByTestId("cancelled-at")).ToContainTextAsync("UTC");
        await Expect(reservation.GetByTestId("cancel-reservation")).ToHaveCountAsync(0);
        await buyer.ScreenshotAsync("cancelled");

        // The organiser's open page follows by itself: nothing sold, one cancellation, the price refunded.
        await Expect(o.GetByTestId("sales-sold")).ToHaveTextAsync("0", AfterARefresh);
        await Expect(o.GetByTestId("sales-cancelled")).ToHaveTextAsync("1", AfterARefresh);
        await Expect(o.GetByTestId("sales-refunded")).ToHaveTextAsync("110,000", AfterARefresh);
        await Expect(o.GetByTestId("sales-revenue")).ToHaveTextAsync("0");
        (await o.EvaluateAsync<bool>("() => window.__sameDocument === true")).ShouldBeTrue("the sales changed without a reload");
        await organiser.ScreenshotAsync("sales-after-refund");

        // Someone else buys seat 1 (VIP, 150,000); then the organiser cancels the show after being told what it refunds.
        var second = await api.CreateUserAsync(initialBalance: 150_000);
        var ticket = await api.AdmitAsync(second, concertId);
        var holdId = await api.HoldOkAsync(second, ticket, scheduleId, 1);
        (await api.PayAsync(second, ticket, holdId)).ShouldHaveStatus(HttpStatusCode.Created);
        await Expect(o.GetByTestId("sales-sold")).ToHaveTextAsync("1", AfterARefresh);
        await o.GetByTestId("cancel-show").ClickAsync();
        await Expect(o.GetByTestId("cancel-show-warning")).ToHaveTextAsync("This cancels 1 reservation and refunds 150,000 points.");
        await organiser.ScreenshotAsync("cancel-show-confirmation");
        await o.GetByTestId("confirm-cancel-show").ClickAsync();
        await Expect(o.GetByTestId("notice")).ToHaveTextAsync("Show cancelled: 1 reservation cancelled and 150,000 points refunded.");
        await Expect(o.GetByTestId("show-state")).ToHaveTextAsync("Cancelled");
        await Expect(o.GetByTestId("show-cancelled")).ToBeVisibleAsync();
        await Expect(o.GetByTestId("window-form")).ToHaveCountAsync(0);
        await Expect(o.GetByTestId("cancel-show")).ToHaveCountAsync(0);
        await Expect(o.GetByTestId("sales-cancelled")).ToHaveTextAsync("2");
        await Expect(o.GetByTestId("sales-refunded")).ToHaveTextAsync("260,000");
        await organiser.ScreenshotAsync("show-cancelled");

        (await api.BalanceAsync(second)).ShouldBe(150_000);
        var secondReservation = (await api.As(second).GetReservationsAsync()).ShouldReturn().ShouldHaveSingleItem();
        secondReservation.Status.ShouldBe(ApiContract.ReservationStatus.Cancelled);
        secondReservation.Refund.ShouldBe(150_000);
        organiser.Errors.Concat(buyer.Errors).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_plain_user_sees_no_Organiser_link_and_the_organiser_pages_refuse_them_with_403()
    {
        const string test = nameof(A_plain_user_sees_no_Organiser_link_and_the_organiser_pages_refuse_them_with_403);
        var organiser = await fixture.Driver.OrganiserAsync(Organiser);
        var concert = (await fixture.Driver.As(organiser).CreateConcertAsync(new NewConcert($"Not Yours {Guid.NewGuid():N}"[..20], "Someone", "Somewhere")))
            .ShouldReturn(HttpStatusCode.Created);
        var web = await fixture.WebAsync();

        await using var stranger = await chromium.PersonAsync(web, test, "sam");
        await stranger.Page.GotoAsync("/Organiser");
        await Expect(stranger.Page).ToHaveURLAsync(new Regex("/Account/SignIn\\?ReturnUrl=%2FOrganiser$"));

        await using var person = await chromium.PersonAsync(web, test, "pat");
        var page = person.Page;
        await person.SignUpAsync();
        await Expect(page.GetByTestId("nav-reservations")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("nav-organiser")).ToHaveCountAsync(0);
        foreach (var path in new[] { "/Organiser", $"/Organiser/Concerts/{concert.ConcertId}" })
        {
            var response = await page.GotoAsync(path);
            response!.Status.ShouldBe(403, path);
            await Expect(page.GetByTestId("access-denied")).ToContainTextAsync("only for organisers");
            await Expect(page.GetByTestId("nav-organiser")).ToHaveCountAsync(0);
        }

        await person.ScreenshotAsync("refused");
        // The browser logs the 403 answers themselves as failed loads; anything else is a page's fault.
        person.Errors.Where(e => !e.Contains("status of 403", StringComparison.Ordinal)).ShouldBeEmpty();
        stranger.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task At_a_phones_width_the_organiser_pages_and_the_cancel_confirmations_do_not_scroll_sideways()
    {
        const string test = nameof(At_a_phones_width_the_organiser_pages_and_the_cancel_confirmations_do_not_scroll_sideways);
        var api = fixture.Driver;
        var organiserUser = await api.OrganiserAsync(Organiser);
        var admin = api.As(organiserUser);
        var concert = (await admin.CreateConcertAsync(new NewConcert($"Phone Organiser {Guid.NewGuid():N}"[..28], "A Performer With A Long Name", "A Venue")))
            .ShouldReturn(HttpStatusCode.Created);
        var now = DateTimeOffset.UtcNow;
        var show = (await admin.CreateScheduleAsync(concert.ConcertId, new NewSchedule(now.AddDays(20), now.AddMinutes(-1), now.AddDays(19),
            [new SeatBand(1, 10, "VIP", 150_000), new SeatBand(11, 30, "R", 110_000), new SeatBand(31, 50, "S", 80_000)]))).ShouldReturn(HttpStatusCode.Created);
        var buyerUser = await api.CreateUserAsync(initialBalance: 110_000);
        var ticket = await Polling.EventuallyAsync(async () => await api.As(buyerUser).JoinQueueAsync(concert.ConcertId),
            join => join.IsSuccessful, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(250));
        var queue = new QueueTicket(concert.ConcertId, ticket.Content!.QueueToken, ticket.Content.Status, ticket.Content.Position);
        await api.WaitUntilActiveAsync(buyerUser, queue);
        var hold = await Polling.EventuallyAsync(() => api.HoldAsync(buyerUser, queue, show.ScheduleId, 20),
            response => response.StatusCode == HttpStatusCode.Created, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(250));
        var paid = (await api.PayAsync(buyerUser, queue, hold.Content!.HoldId)).ShouldReturn(HttpStatusCode.Created);

        var web = await fixture.WebAsync();
        await using var organiser = await chromium.PersonAsync(web, test, "olga", width: 375, height: 740);
        await SignInAsync(organiser, Organiser, OrganiserPassword);
        var showPath = $"/Organiser/Concerts/{concert.ConcertId}/Schedules/{show.ScheduleId}";
        foreach (var path in new[] { "/Organiser", $"/Organiser/Concerts/{concert.ConcertId}", showPath, $"{showPath}/Cancel" })
        {
            await organiser.Page.GotoAsync(path);
            await AssertNoSidewaysScrollAsync(organiser, path);
        }

        await Expect(organiser.Page.GetByTestId("cancel-show-warning")).ToHaveTextAsync("This cancels 1 reservation and refunds 110,000 points.");

        await using var buyer = await chromium.PersonAsync(web, test, "bo", width: 375, height: 740);
        await SignInAsync(buyer, buyerUser.Name, BuyerPassword);
        await buyer.Page.GotoAsync("/Reservations");
        await AssertNoSidewaysScrollAsync(buyer, "reservations");
        await Expect(buyer.Page.GetByTestId("cancel-reservation")).ToBeInViewportAsync(); // not scrolled off inside the table
        await buyer.Page.GotoAsync($"/Reservations/{paid.ReservationId}/Cancel");
        await Expect(buyer.Page.GetByTestId("cancel-reservation-question")).ToContainTextAsync("Cancel seat 20 of");
        await AssertNoSidewaysScrollAsync(buyer, "cancel-reservation");
        organiser.Errors.Concat(buyer.Errors).ShouldBeEmpty();
    }

    private static async Task SignInAsync(Person person, string name, string password)
    {
        await person.Page.GotoAsync("/Account/SignIn");
        await person.Page.GetByTestId("name").FillAsync(name);
        await person.Page.GetByTestId("password").FillAsync(password);
        await person.Page.GetByTestId("submit").ClickAsync();
        await Expect(person.Page.GetByTestId("signed-in-as")).ToContainTextAsync(name);
    }

    private static async Task AssertNoSidewaysScrollAsync(Person person, string what)
    {
        await person.ScreenshotAsync(Regex.Replace(what.Trim('/'), "[0-9a-f-]{36}", "id").Replace('/', '-'));
        var width = await person.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        width.ShouldBeLessThanOrEqualTo(375, $"{what} is {width} px wide at a 375 px viewport");
    }

    [GeneratedRegex("/Organiser/Concerts/([0-9a-f-]{36})/Schedules/([0-9a-f-]{36})$")]
    private static partial Regex ShowPath();
}
