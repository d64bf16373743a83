using System.Net;
using System.Text.RegularExpressions;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Web;

/// <summary>
/// The organiser pages and the reservation cancel as a browser without JavaScript uses them (forms, cookies, redirects), against the
/// real Api. The organiser "web-organiser" is shared by the tests of the system: each looks only at the concert it made.
/// </summary>
public partial class OrganiserWebTests(DefaultSystem system)
{
    private const string Organiser = "web-organiser";

    private static readonly IReadOnlyList<SeatBand> DefaultBands =
        [new SeatBand(1, 10, "VIP", 150_000), new SeatBand(11, 30, "R", 110_000), new SeatBand(31, 50, "S", 80_000)];

    [Fact]
    public async Task One_cancel_confirmation_submitted_twice_at_once_cancels_the_reservation_and_refunds_it_once()
    {
        var api = system.Driver;
        var (concert, show) = await CreateShowAsync("Double Cancel");
        var buyer = await api.CreateUserAsync(initialBalance: 110_000);
        var reservationId = await BuyAsync(buyer, concert.ConcertId, show.ScheduleId, seatNumber: 15);
        (await api.BalanceAsync(buyer)).ShouldBe(0);

        var cookies = new CookieContainer();
        using var browser = await BrowserAsync(cookies);
        await WebJourneyTests.SubmitAsync(browser, "/Account/SignIn", "/Account/SignIn", new() { ["Name"] = buyer.Name, ["Password"] = buyer.Password });
        var list = await browser.GetStringAsync("/Reservations");
        list.ShouldContain($"href=\"/Reservations/{reservationId}/Cancel\"");
        var confirmation = await browser.GetStringAsync($"/Reservations/{reservationId}/Cancel");
        confirmation.ShouldContain("Cancel seat 15 of Double Cancel");
        confirmation.ShouldContain("and get 110,000 points back?");
        var key = CancelKey().Match(confirmation);
        key.Success.ShouldBeTrue("the confirmation carries its idempotency key");

        // A double click: the same form (key and anti-forgery token) posted twice at the same moment; both succeed, to the list.
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiForgery().Match(confirmation).Groups[1].Value,
            ["CancelKey"] = key.Groups[1].Value,
        });
        var body = await form.ReadAsStringAsync();
        using var noRedirects = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = browser.BaseAddress };
        var posts = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => noRedirects.PostAsync($"/Reservations/{reservationId}/Cancel",
            new StringContent(body, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"))));
        foreach (var post in posts)
        {
            post.StatusCode.ShouldBe(HttpStatusCode.Redirect, await post.Content.ReadAsStringAsync());
            post.Headers.Location!.OriginalString.ShouldBe("/Reservations");
        }

        var after = await browser.GetStringAsync("/Reservations");
        after.ShouldContain("110,000 points are back on your balance, which is now 110,000 points.");
        after.ShouldContain("data-testid=\"reservation-status\">Cancelled<");
        after.ShouldContain("data-testid=\"refund\">110,000<");

        (await api.BalanceAsync(buyer)).ShouldBe(110_000);
        var history = (await api.As(buyer).GetHistoryAsync()).ShouldReturn();
        history.Count(h => h.Kind == ApiContract.BalanceKind.Refund).ShouldBe(1);

        // A later attempt is told in words, and the reservation offers no cancel any more.
        var again = await browser.GetStringAsync($"/Reservations/{reservationId}/Cancel");
        again.ShouldContain("This reservation is already cancelled.");
        again.ShouldNotContain("data-testid=\"cancel-reservation\"");
    }

    [Fact]
    public async Task A_shows_sales_are_on_the_page_without_script_and_refused_forms_explain_why_and_keep_what_was_entered()
    {
        var (concert, show) = await CreateShowAsync("No Script Sales");
        using var browser = await BrowserAsync();
        var signedIn = await WebJourneyTests.SubmitAsync(browser, "/Account/SignIn", "/Account/SignIn", new() { ["Name"] = Organiser, ["Password"] = "organiser-password-1" });
        signedIn.ShouldContain("data-testid=\"nav-organiser\"");

        var showPath = $"/Organiser/Concerts/{concert.ConcertId}/Schedules/{show.ScheduleId}";
        var page = await browser.GetStringAsync(showPath);
        page.ShouldContain("data-testid=\"sales-sold\">0<");
        page.ShouldContain("data-testid=\"sales-available\">50<");
        page.ShouldContain("data-testid=\"sales-refunded\">0<");
        page.ShouldContain("/js/sales-refresh."); // fingerprinted by MapStaticAssets
        var partial = await browser.GetStringAsync($"{showPath}?handler=Sales");
        partial.ShouldContain("data-testid=\"sales-figures\"");
        partial.ShouldNotContain("<html");

        // A window that closes before it opens: the Api's INVALID_BOOKING_WINDOW in words, beside the form, with the entries kept.
        var window = await WebJourneyTests.SubmitAsync(browser, showPath, $"{showPath}?handler=Window",
            new() { ["Window.OpensAt"] = "2030-01-10T10:00", ["Window.ClosesAt"] = "2030-01-09T10:00" }, fromPage: page);
        window.ShouldContain("data-testid=\"form-error\">Booking must open before it closes, and close no later than the show starts.<");
        window.ShouldContain("value=\"2030-01-10T10:00\"");
        window.ShouldContain("value=\"2030-01-09T10:00\"");

        // Bands that overlap: INVALID_SEAT_MAP in words, every band kept as entered.
        var concertPath = $"/Organiser/Concerts/{concert.ConcertId}";
        var overlapping = await WebJourneyTests.SubmitAsync(browser, concertPath, concertPath, new()
        {
            ["NewShow.StartsAt"] = "2030-02-01T19:00",
            ["NewShow.BookingOpensAt"] = "2030-01-01T10:00",
            ["NewShow.BookingClosesAt"] = "2030-02-01T18:00",
            ["NewShow.Bands[0].From"] = "1", ["NewShow.Bands[0].To"] = "30", ["NewShow.Bands[0].Grade"] = "Gold", ["NewShow.Bands[0].Price"] = "100",
            ["NewShow.Bands[1].From"] = "20", ["NewShow.Bands[1].To"] = "50", ["NewShow.Bands[1].Grade"] = "Silver", ["NewShow.Bands[1].Price"] = "50",
        });
        overlapping.ShouldContain("data-testid=\"form-error\">The seat bands must cover seats 1 to 50 exactly once");
        overlapping.ShouldContain("value=\"Gold\"");
        overlapping.ShouldContain("value=\"Silver\"");
        overlapping.ShouldContain("value=\"2030-02-01T19:00\"");

        // The band editor works without script: a new row starts after the last band.
        var added = await WebJourneyTests.SubmitAsync(browser, concertPath, $"{concertPath}?handler=AddBand", new()
        {
            ["NewShow.StartsAt"] = "2030-02-01T19:00",
            ["NewShow.BookingOpensAt"] = "2030-01-01T10:00",
            ["NewShow.BookingClosesAt"] = "2030-02-01T18:00",
            ["NewShow.Bands[0].From"] = "1", ["NewShow.Bands[0].To"] = "20", ["NewShow.Bands[0].Grade"] = "Gold", ["NewShow.Bands[0].Price"] = "100",
        });
        BandRow().Matches(added).Count.ShouldBe(2);
        added.ShouldContain("id=\"NewShow_Bands_1__From\" name=\"NewShow.Bands[1].From\" value=\"21\"");
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM schedules WHERE concert_id = @id", new { id = concert.ConcertId })).ShouldBe(1);
    }

    private async Task<(AdminConcert Concert, AdminSchedule Show)> CreateShowAsync(string title)
    {
        var organiser = await system.Driver.OrganiserAsync(Organiser);
        var admin = system.Driver.As(organiser);
        var concert = (await admin.CreateConcertAsync(new NewConcert(title, "Web Tests", "Test Hall"))).ShouldReturn(HttpStatusCode.Created);
        var now = DateTimeOffset.UtcNow;
        var show = (await admin.CreateScheduleAsync(concert.ConcertId, new NewSchedule(now.AddDays(20), now.AddMinutes(-1), now.AddDays(19), DefaultBands)))
            .ShouldReturn(HttpStatusCode.Created);
        return (concert, show);
    }

    /// <summary>Joins, holds and pays <paramref name="seatNumber"/> through the Api (the show reaches the buyers' routes within 5 s); the reservation id.</summary>
    private async Task<Guid> BuyAsync(TestUser buyer, Guid concertId, Guid scheduleId, int seatNumber)
    {
        var api = system.Driver;
        var join = await Polling.EventuallyAsync(() => api.As(buyer).JoinQueueAsync(concertId), r => r.IsSuccessful, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(250));
        var ticket = new QueueTicket(concertId, join.Content!.QueueToken, join.Content.Status, join.Content.Position);
        await api.WaitUntilActiveAsync(buyer, ticket);
        var hold = await Polling.EventuallyAsync(() => api.HoldAsync(buyer, ticket, scheduleId, seatNumber),
            r => r.StatusCode == HttpStatusCode.Created, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(250));
        return (await api.PayAsync(buyer, ticket, hold.Content!.HoldId)).ShouldReturn(HttpStatusCode.Created).ReservationId;
    }

    private async Task<HttpClient> BrowserAsync(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = true }) { BaseAddress = await system.WebAsync() };

    [GeneratedRegex("id=\"CancelKey\" name=\"CancelKey\" value=\"([0-9a-f]{32})\"")]
    private static partial Regex CancelKey();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiForgery();

    [GeneratedRegex("data-testid=\"band\"")]
    private static partial Regex BandRow();
}
