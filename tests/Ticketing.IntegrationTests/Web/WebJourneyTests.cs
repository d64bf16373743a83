using System.Net;
using System.Text.RegularExpressions;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Web;

/// <summary>
/// The person's journey through the real Web UI, as a browser without JavaScript would make it: forms with their
/// anti-forgery tokens, cookies, redirects. Web talks to the real Api, which talks to the real servers.
/// </summary>
public partial class WebJourneyTests(DefaultSystem system)
{
    [Fact]
    public async Task A_person_signs_up_waits_in_line_holds_a_seat_tops_up_pays_and_sees_the_reservation()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, title: "Web Journey Live");
        using var browser = await BrowserAsync();
        var name = ApiDriver.UniqueName("web");

        var home = await browser.GetStringAsync("/");
        home.ShouldContain("Web Journey Live");

        var signedUp = await SubmitAsync(browser, "/Account/SignUp", "/Account/SignUp", new() { ["Name"] = name, ["Password"] = "correct-horse-battery" });
        signedUp.ShouldContain($"Signed in as <strong>{name}</strong>");

        // Join the line; the page shows the position until the worker admits us, then sends us to the dates.
        var queuePath = $"/Concerts/{concert.ConcertId}/Queue";
        var afterJoin = await SubmitAsync(browser, queuePath, $"{queuePath}?handler=Join", []);
        if (!afterJoin.Contains("data-testid=\"schedules\""))
        {
            afterJoin.ShouldContain("data-status=\"WAITING\"");
            afterJoin = await Polling.EventuallyAsync(() => browser.GetStringAsync(queuePath), page =>
                page.Contains("data-testid=\"schedules\"") || !page.Contains("data-status=\"WAITING\""), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        }

        afterJoin.ShouldContain($"data-schedule-id=\"{concert.ScheduleIds[0]}\"");

        // The seat map: 50 seats with grade and price; hold seat 12 (grade R).
        var seatsPath = $"/Concerts/{concert.ConcertId}/Schedules/{concert.ScheduleIds[0]}/Seats";
        var seats = await browser.GetStringAsync(seatsPath);
        SeatButton().Matches(seats).Count.ShouldBe(50);
        seats.ShouldContain("VIP");
        var startsAt = await TestCatalog.ScalarAsync<DateTime>(system.Postgres, "SELECT starts_at FROM schedules WHERE id = @id", new { id = concert.ScheduleIds[0] });
        var dateHeading = $"<time data-testid=\"schedule-date\" datetime=\"{startsAt:yyyy-MM-dd'T'HH:mm:ss'Z'}\">{startsAt:ddd d MMM yyyy, HH:mm} UTC</time>";
        seats.ShouldContain("data-testid=\"concert-title\">Web Journey Live<");
        seats.ShouldContain("data-testid=\"concert-venue\">Test Hall<");
        seats.ShouldContain(dateHeading);
        var holdPage = await SubmitAsync(browser, seatsPath, $"{seatsPath}?handler=Hold", new() { ["seatNumber"] = "12" });
        holdPage.ShouldContain("data-testid=\"countdown\"");
        holdPage.ShouldContain("data-testid=\"hold-seat\">12<");
        holdPage.ShouldContain("data-testid=\"concert-title\">Web Journey Live<");
        holdPage.ShouldContain(dateHeading);
        var holdPath = HoldPath().Match(holdPage).Value;

        // Paying with no points: a friendly 402 message, and the hold stays.
        var refused = await SubmitAsync(browser, holdPath, $"{holdPath}?handler=Pay", [], fromPage: holdPage);
        refused.ShouldContain("You don&#x27;t have enough points");
        refused.ShouldContain("data-testid=\"countdown\"");

        // Another person sees the seat as held.
        var other = await system.Driver.CreateUserAsync();
        var otherTicket = await system.Driver.AdmitAsync(other, concert.ConcertId);
        (await system.Driver.HoldAsync(other, otherTicket, concert.ScheduleIds[0], 12)).ShouldBeProblem(409, "SEAT_UNAVAILABLE");

        var balance = await SubmitAsync(browser, "/Balance", "/Balance", new() { ["Amount"] = "200000" });
        balance.ShouldContain("data-testid=\"balance\">200,000<");

        var reservations = await SubmitAsync(browser, holdPath, $"{holdPath}?handler=Pay", []);
        reservations.ShouldContain("your seat is confirmed");
        reservations.ShouldContain("Web Journey Live");
        reservations.ShouldContain("data-testid=\"reservation\"");

        var history = await browser.GetStringAsync("/Balance");
        history.ShouldContain("data-testid=\"balance\">110,000<");
        history.ShouldContain("Payment");
    }

    [Fact]
    public async Task Wrong_credentials_and_a_taken_name_are_explained_in_words()
    {
        using var browser = await BrowserAsync();
        var name = ApiDriver.UniqueName("web");
        await SubmitAsync(browser, "/Account/SignUp", "/Account/SignUp", new() { ["Name"] = name, ["Password"] = "correct-horse-battery" });
        await SubmitAsync(browser, "/", "/Account/SignOut", []);

        using var second = await BrowserAsync();
        (await SubmitAsync(second, "/Account/SignUp", "/Account/SignUp", new() { ["Name"] = name.ToUpperInvariant(), ["Password"] = "another-long-passphrase-7" }))
            .ShouldContain("Someone already uses that name");
        (await SubmitAsync(second, "/Account/SignIn", "/Account/SignIn", new() { ["Name"] = name, ["Password"] = "wrong-password" }))
            .ShouldContain("don&#x27;t match an account");
    }

    [Fact]
    public async Task Pages_that_need_an_account_send_a_stranger_to_sign_in()
    {
        using var browser = await BrowserAsync();
        var page = await browser.GetAsync("/Balance");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/Account/SignIn");
    }

    private async Task<HttpClient> BrowserAsync() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true }) { BaseAddress = await system.WebAsync() };

    /// <summary>Loads <paramref name="formPage"/> (unless given), then posts <paramref name="fields"/> with its anti-forgery token; returns the page after redirects.</summary>
    internal static async Task<string> SubmitAsync(HttpClient browser, string formPage, string action, Dictionary<string, string> fields, string? fromPage = null)
    {
        var html = fromPage ?? await browser.GetStringAsync(formPage);
        var token = AntiForgery().Match(html);
        token.Success.ShouldBeTrue($"no anti-forgery token on {formPage}");
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token.Groups[1].Value };
        foreach (Match hidden in HiddenKey().Matches(html))
        {
            form.TryAdd(hidden.Groups[1].Value, hidden.Groups[2].Value);
        }

        var response = await browser.PostAsync(action, new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return body;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiForgery();

    [GeneratedRegex("type=\"hidden\" (?:data-val=\"true\" [^>]*)?id=\"(PaymentKey|ChargeKey)\" name=\"\\w+\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenKey();

    [GeneratedRegex("data-testid=\"seat\" data-seat=")]
    private static partial Regex SeatButton();

    [GeneratedRegex("/Concerts/[0-9a-f-]{36}/Holds/[0-9a-f-]{36}")]
    private static partial Regex HoldPath();
}
