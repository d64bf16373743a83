using System.Net;
using System.Text.RegularExpressions;
using Ticketing.Client;
using Ticketing.IntegrationTests.Api;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Web;

/// <summary>
/// The waiting room page and its live stream as the Web serves them (server-rendered HTML and the relayed
/// <c>text/event-stream</c>); the page's JavaScript itself is for browser tests. Runs against the default system, whose
/// active sets hold 100: a test fills one with 100 admitted people to put the person it follows in line.
/// </summary>
public class WaitingRoomPageTests(DefaultSystem system)
{
    private const string Password = "correct-horse-battery";
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_page_names_the_concert_and_shows_place_progress_and_wait_and_its_relayed_stream_moves_the_person_to_admission()
    {
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, title: "Waiting Room Live");
        var admitted = await FillActiveSetAsync(concert.ConcertId);
        var ahead = await system.System.CreateUsersAsync(2);
        var aheadTickets = new List<QueueTicket>();
        foreach (var user in ahead)
        {
            aheadTickets.Add(await api.JoinAsync(user, concert.ConcertId));
        }

        var (browser, _, _) = await SignedUpBrowserAsync();
        using var _browser = browser;
        var queuePath = $"/Concerts/{concert.ConcertId}/Queue";
        var page = await WebJourneyTests.SubmitAsync(browser, queuePath, $"{queuePath}?handler=Join", []);

        WebUtility.HtmlDecode(page).ShouldContain("<title>Waiting room · Waiting Room Live · Ticketing</title>");
        page.ShouldContain("data-testid=\"concert-title\">Waiting Room Live<");
        page.ShouldContain("data-testid=\"concert-venue\">Test Hall<");
        page.ShouldContain("data-status=\"WAITING\"");
        page.ShouldContain("data-start-position=\"2\"");
        page.ShouldContain("data-testid=\"position\">2<");
        page.ShouldContain("data-testid=\"ahead-label\">people ahead of you<");
        page.ShouldContain("aria-live=\"polite\"");
        page.ShouldContain("aria-valuenow=\"0\" data-testid=\"progress\"");
        Regex.IsMatch(page, "data-testid=\"eta\" data-seconds=\"\\d+\">(less than a minute|about \\d+ minutes?)<").ShouldBeTrue();
        Regex.IsMatch(page, "data-testid=\"last-updated\" datetime=\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\">\\d\\d:\\d\\d:\\d\\d UTC<").ShouldBeTrue();
        page.ShouldContain($"data-events-url=\"/Concerts/{concert.ConcertId}/Queue?handler=Events\"");
        Regex.IsMatch(page, "<script src=\"/js/waiting-room\\.\\w+\\.js\"></script>").ShouldBeTrue("the page's script, fingerprinted");

        // One of the two ahead leaves: one person ahead (grammar), half-way from where the person joined.
        (await api.As(ahead[0], aheadTickets[0]).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        page = await browser.GetStringAsync(queuePath);
        page.ShouldContain("data-testid=\"position\">1<");
        page.ShouldContain("data-testid=\"ahead-label\">person ahead of you<");
        page.ShouldContain("data-start-position=\"2\"");
        page.ShouldContain("aria-valuenow=\"50\" data-testid=\"progress\"");

        // The stream through the Web: the Api's events as they come, without a poll, up to admission.
        await using var stream = await EventStream.OpenAsync(browser, new HttpRequestMessage(HttpMethod.Get, $"{queuePath}?handler=Events"));
        stream.Response.Headers.CacheControl!.NoCache.ShouldBeTrue();
        (await stream.NextStatusAsync(Soon)).ShouldSatisfyAllConditions(s => s.Status.ShouldBe("WAITING"), s => s.Position.ShouldBe(1));
        (await api.As(ahead[1], aheadTickets[1]).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await stream.NextStatusAsync(Soon)).ShouldSatisfyAllConditions(s => s.Status.ShouldBe("WAITING"), s => s.Position.ShouldBe(0));
        var (first, firstTicket) = admitted[0];
        (await api.As(first, firstTicket).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await stream.NextStatusAsync(Soon)).Status.ShouldBe("ACTIVE");
        await stream.ShouldEndAsync(Soon);

        // Admitted: the waiting room sends the person on to the dates, which name the concert too.
        var dates = await browser.GetStringAsync(queuePath);
        dates.ShouldContain("data-testid=\"schedules\"");
        dates.ShouldContain("data-testid=\"concert-title\">Waiting Room Live<");
    }

    [Fact]
    public async Task Before_the_sale_opens_the_page_says_the_person_is_in_the_pre_queue_and_when_it_opens_and_its_stream_carries_them_on_at_the_opening()
    {
        var opensAt = DateTimeOffset.UtcNow.AddSeconds(10);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, opensAt: [opensAt], title: "Pre-queue Page");
        var (browser, _, _) = await SignedUpBrowserAsync();
        using var _browser = browser;
        var queuePath = $"/Concerts/{concert.ConcertId}/Queue";
        var page = WebUtility.HtmlDecode(await WebJourneyTests.SubmitAsync(browser, queuePath, $"{queuePath}?handler=Join", []));
        DateTimeOffset.UtcNow.ShouldBeLessThan(opensAt, "signing up and joining took too long to see the pre-queue");

        page.ShouldContain("data-status=\"PREQUEUE\"");
        page.ShouldContain("data-testid=\"prequeue-text\">You're in the pre-queue: the sale hasn't opened yet.<");
        page.ShouldContain($"data-testid=\"opens-at\" datetime=\"{opensAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\">{opensAt.UtcDateTime.ToString("ddd d MMM yyyy, HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC<");
        page.ShouldContain("one random draw");
        page.ShouldNotContain("data-testid=\"position\"");
        page.ShouldContain($"data-events-url=\"/Concerts/{concert.ConcertId}/Queue?handler=Events\"");

        // The relayed stream says PREQUEUE with the opening, then — no poll needed — the draw's outcome: admitted at once here
        // (the default active set has room), possibly through a moment as WAITING.
        await using var stream = await EventStream.OpenAsync(browser, new HttpRequestMessage(HttpMethod.Get, $"{queuePath}?handler=Events"));
        var first = await stream.NextStatusAsync(Soon);
        first.Status.ShouldBe("PREQUEUE");
        first.OpensAt.ShouldNotBeNull().ShouldBe(opensAt, TimeSpan.FromSeconds(1));
        var next = await stream.NextStatusAsync(opensAt - DateTimeOffset.UtcNow + Soon);
        if (next.Status == "WAITING")
        {
            next = await stream.NextStatusAsync(Soon);
        }

        next.Status.ShouldBe("ACTIVE");
        DateTimeOffset.UtcNow.ShouldBeGreaterThanOrEqualTo(opensAt);
        await stream.ShouldEndAsync(Soon);
        (await browser.GetStringAsync(queuePath)).ShouldContain("data-testid=\"schedules\"");
    }

    [Fact]
    public async Task The_stream_handler_answers_204_without_a_pass_and_passes_the_Apis_problem_on_for_an_ended_one()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var (browser, cookies, name) = await SignedUpBrowserAsync();
        using var _browser = browser;
        var queuePath = $"/Concerts/{concert.ConcertId}/Queue";
        (await browser.GetAsync($"{queuePath}?handler=Events")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // Admitted at once (the active set has room), then the pass ends behind the Web's back (the person left in another client).
        await WebJourneyTests.SubmitAsync(browser, queuePath, $"{queuePath}?handler=Join", []);
        var queueToken = cookies.GetCookies(browser.BaseAddress!)[$"qt_{concert.ConcertId:N}"].ShouldNotBeNull().Value;
        var token = (await system.Driver.Anonymous.SignInAsync(new Credentials(name, Password))).ShouldReturn();
        var user = new TestUser(Guid.Empty, name, Password, token.AccessToken);
        (await system.Driver.As(user, queueToken).LeaveQueueAsync(concert.ConcertId)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var refused = await browser.GetAsync($"{queuePath}?handler=Events", HttpCompletionOption.ResponseHeadersRead);
        await refused.ShouldBeProblemAsync(401, "QUEUE_TOKEN_EXPIRED");
    }

    [Fact]
    public async Task An_unknown_concerts_waiting_room_is_not_found()
    {
        var (browser, _, _) = await SignedUpBrowserAsync();
        using var _browser = browser;
        var page = await browser.GetAsync($"/Concerts/{Guid.NewGuid()}/Queue");
        page.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await page.Content.ReadAsStringAsync()).ShouldContain("<h1>We couldn't find that page.</h1>");
    }

    /// <summary>100 people admitted to the concert (the default system's active capacity): everyone who joins next waits.</summary>
    private async Task<List<(TestUser User, QueueTicket Ticket)>> FillActiveSetAsync(Guid concertId)
    {
        var users = await system.System.CreateUsersAsync(100);
        var admitted = new List<(TestUser, QueueTicket)>();
        foreach (var user in users)
        {
            admitted.Add((user, await system.Driver.JoinAsync(user, concertId)));
        }

        foreach (var (user, ticket) in admitted)
        {
            await system.Driver.WaitUntilActiveAsync(user, ticket);
        }

        return admitted;
    }

    /// <summary>A cookie-keeping client of the Web, signed up as a new person named <c>Name</c> (password <see cref="Password"/>).</summary>
    private async Task<(HttpClient Browser, CookieContainer Cookies, string Name)> SignedUpBrowserAsync()
    {
        var cookies = new CookieContainer();
        var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = true }) { BaseAddress = await system.WebAsync() };
        var name = ApiDriver.UniqueName("wr");
        await WebJourneyTests.SubmitAsync(browser, "/Account/SignUp", "/Account/SignUp", new() { ["Name"] = name, ["Password"] = Password });
        return (browser, cookies, name);
    }
}
