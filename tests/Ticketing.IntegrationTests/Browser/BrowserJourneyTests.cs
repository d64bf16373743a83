using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Ticketing.IntegrationTests.Support;
using static Microsoft.Playwright.Assertions;

namespace Ticketing.IntegrationTests.Browser;

/// <summary>
/// The Web as a person uses it, in a real browser (Debian's chromium through Playwright): clicks, the page's own JavaScript
/// (the waiting room's live position, the hold countdown), and no console errors on any page. Screenshots of each step are
/// kept in <c>artifacts/screenshots/</c>.
/// </summary>
public class BrowserJourneyTests(DefaultSystem fixture, Chromium chromium) : IClassFixture<Chromium>
{
    private static readonly Dictionary<string, string> OneAtATime = new()
    {
        ["Ticketing__Queue__ActiveCapacity"] = "1",
        ["Ticketing__Queue__AdmissionInterval"] = "00:00:00.100",
    };

    /// <summary>Holds of 4 s, and the Web: the system of the short-hold tests here and in <see cref="Api.AdmissionTests"/>.</summary>
    internal static readonly Dictionary<string, string> ShortHolds = new() { ["Ticketing__Holds__Duration"] = "00:00:04" };

    [Fact]
    public async Task A_person_clicks_through_join_hold_top_up_and_pay_and_sees_the_reservation()
    {
        var concert = await TestCatalog.CreateConcertAsync(fixture.Postgres, title: "Browser Journey Live");
        await using var person = await chromium.PersonAsync(await fixture.WebAsync(), nameof(A_person_clicks_through_join_hold_top_up_and_pay_and_sees_the_reservation), "ana");
        var page = person.Page;

        await person.SignUpAsync();
        await person.ScreenshotAsync("signed-up");
        var card = page.GetByTestId("concert").Filter(new() { HasText = "Browser Journey Live" });
        await card.GetByTestId("open-concert").ClickAsync();
        await Expect(page.GetByTestId("join")).ToBeVisibleAsync();
        await person.ScreenshotAsync("waiting-room");

        await page.GetByTestId("join").ClickAsync();
        await page.WaitForURLAsync(new Regex("/Schedules$")); // admitted at once (the line is empty): the page moves on by itself
        await person.ScreenshotAsync("dates");
        await page.GetByTestId("pick-schedule").First.ClickAsync();
        await Expect(page.GetByTestId("seat")).ToHaveCountAsync(50);
        await person.ScreenshotAsync("seats");

        await Expect(page.GetByTestId("concert-title")).ToHaveTextAsync("Browser Journey Live");
        await Expect(page.GetByTestId("schedule-date")).ToBeVisibleAsync();
        await page.Locator("[data-testid=seat][data-seat='12']").ClickAsync();
        await Expect(page.GetByTestId("hold-seat")).ToHaveTextAsync("12");
        await Expect(page.GetByTestId("concert-title")).ToHaveTextAsync("Browser Journey Live"); // the hold names the concert and the date
        await Expect(page.GetByTestId("schedule-date")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("countdown")).ToHaveTextAsync(new Regex(@"^[0-4]:\d\d$")); // the script counts down from 5 minutes
        await person.ScreenshotAsync("hold");
        var holdUrl = page.Url;

        await page.GetByTestId("top-up-link").ClickAsync();
        await page.GetByTestId("amount").FillAsync("200000");
        await page.GetByTestId("top-up").ClickAsync();
        await person.ScreenshotAsync("topped-up");
        if (page.Url != holdUrl)
        {
            await page.GotoAsync(holdUrl);
        }

        await Expect(page.GetByTestId("balance")).ToHaveTextAsync("200,000");
        await page.GetByTestId("pay").ClickAsync();
        await Expect(page.GetByTestId("reservation")).ToContainTextAsync("Browser Journey Live");
        await person.ScreenshotAsync("reservation");

        person.Errors.ShouldBeEmpty();
        (await TestCatalog.ScalarAsync<long>(fixture.Postgres, "SELECT count(*) FROM reservations WHERE schedule_id = @id AND seat_number = 12",
            new { id = concert.ScheduleIds[0] })).ShouldBe(1);
    }

    [Fact]
    public async Task A_person_who_comes_before_the_sale_opens_waits_in_the_pre_queue_and_is_taken_on_at_the_opening_without_a_click()
    {
        var opensAt = DateTimeOffset.UtcNow.AddSeconds(20); // room for a slow sign-up on a busy machine
        var concert = await TestCatalog.CreateConcertAsync(fixture.Postgres, opensAt: [opensAt], title: "Browser Pre-queue");
        await using var person = await chromium.PersonAsync(await fixture.WebAsync(),
            nameof(A_person_who_comes_before_the_sale_opens_waits_in_the_pre_queue_and_is_taken_on_at_the_opening_without_a_click), "pia");
        var page = person.Page;

        await person.SignUpAsync();
        await page.GotoAsync($"/Concerts/{concert.ConcertId}/Queue");
        await page.GetByTestId("join").ClickAsync();
        await Expect(page.GetByTestId("prequeue-text")).ToBeVisibleAsync();
        DateTimeOffset.UtcNow.ShouldBeLessThan(opensAt, "signing up and joining took too long to see the pre-queue");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("live");
        // The script shows the opening in the person's own time zone (the test browser's is UTC), without the server's " UTC".
        await Expect(page.GetByTestId("opens-at")).Not.ToContainTextAsync("UTC");
        await person.ScreenshotAsync("pre-queue");

        // No click: at the opening the draw places the person, the line has room, and the page goes on to the dates.
        await page.WaitForURLAsync(new Regex("/Schedules$"), new() { Timeout = (float)(opensAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20)).TotalMilliseconds });
        DateTimeOffset.UtcNow.ShouldBeGreaterThanOrEqualTo(opensAt);
        await person.ScreenshotAsync("dates");
        person.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_position_moves_without_a_reload_while_others_are_admitted_and_the_page_moves_on_when_it_is_your_turn()
    {
        var system = await fixture.CustomAsync("browser-line", OneAtATime, withWeb: true);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, title: "Browser Line Live");
        var api = system.Driver;
        // Capacity 1: one person is ACTIVE, two more wait ahead of the browser's person.
        var ahead = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => api.CreateUserAsync()));
        var tickets = new List<QueueTicket>();
        foreach (var user in ahead)
        {
            tickets.Add(await api.JoinAsync(user, concert.ConcertId));
            if (tickets.Count == 1)
            {
                await api.WaitUntilActiveAsync(user, tickets[0]);
            }
        }

        await using var person = await chromium.PersonAsync(system.WebUrl!, nameof(The_position_moves_without_a_reload_while_others_are_admitted_and_the_page_moves_on_when_it_is_your_turn), "ben");
        var page = person.Page;
        await person.SignUpAsync();
        await page.GotoAsync($"/Concerts/{concert.ConcertId}/Queue");
        await page.GetByTestId("join").ClickAsync();
        await Expect(page.GetByTestId("position")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("concert-title")).ToHaveTextAsync("Browser Line Live");
        await Expect(page.GetByTestId("concert-venue")).ToHaveTextAsync("Test Hall");
        await Expect(page.GetByTestId("position-text")).ToHaveAttributeAsync("aria-live", "polite"); // read out as it changes
        await Expect(page.GetByTestId("ahead-label")).ToHaveTextAsync("people ahead of you");
        await Expect(page.GetByTestId("progress")).ToHaveAttributeAsync("aria-valuenow", "0");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("live"); // the EventSource stream, not the polling fallback
        await person.ScreenshotAsync("two-ahead");
        await page.EvaluateAsync("() => window.__sameDocument = true"); // gone if the page reloads

        for (var i = 0; i < ahead.Length; i++)
        {
            // The ACTIVE one leaves; the next is admitted; everyone behind moves up one.
            (await api.As(ahead[i], tickets[i]).LeaveQueueAsync(concert.ConcertId)).ShouldHaveStatus(HttpStatusCode.NoContent);
            if (i + 1 < ahead.Length)
            {
                await api.WaitUntilActiveAsync(ahead[i + 1], tickets[i + 1]);
                await Expect(page.GetByTestId("position")).ToHaveTextAsync((ahead.Length - 2 - i).ToString());
                await Expect(page.GetByTestId("ahead-label")).ToHaveTextAsync(ahead.Length - 2 - i == 1 ? "person ahead of you" : "people ahead of you");
                await Expect(page.GetByTestId("progress")).ToHaveAttributeAsync("aria-valuenow", i == 0 ? "50" : "100"); // from 2 ahead at the join
                (await page.EvaluateAsync<bool>("() => window.__sameDocument === true")).ShouldBeTrue("the position changed without a reload");
                await person.ScreenshotAsync($"{ahead.Length - 2 - i}-ahead");
            }
        }

        await page.WaitForURLAsync(new Regex("/Schedules$")); // admitted: the page moves on by itself
        await Expect(page.GetByTestId("schedule")).ToHaveCountAsync(1);
        await person.ScreenshotAsync("admitted");
        person.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Two_people_click_the_same_seat_one_gets_it_and_the_other_sees_it_taken()
    {
        var concert = await TestCatalog.CreateConcertAsync(fixture.Postgres, title: "Browser Seat Race");
        var web = await fixture.WebAsync();
        const string test = nameof(Two_people_click_the_same_seat_one_gets_it_and_the_other_sees_it_taken);
        await using var first = await chromium.PersonAsync(web, test, "cleo");
        await using var second = await chromium.PersonAsync(web, test, "dev");
        var seatsPath = $"/Concerts/{concert.ConcertId}/Schedules/{concert.ScheduleIds[0]}/Seats";
        foreach (var person in new[] { first, second })
        {
            await person.SignUpAsync();
            await person.Page.GotoAsync($"/Concerts/{concert.ConcertId}/Queue");
            await person.Page.GetByTestId("join").ClickAsync();
            await person.Page.WaitForURLAsync(new Regex("/Schedules$"));
            await person.Page.GotoAsync(seatsPath);
            await Expect(person.Page.Locator("[data-testid=seat][data-seat='7']")).ToBeEnabledAsync();
        }

        // Both pages show seat 7 free; both click it at the same moment.
        await Task.WhenAll(first.Page.Locator("[data-testid=seat][data-seat='7']").ClickAsync(), second.Page.Locator("[data-testid=seat][data-seat='7']").ClickAsync());
        await Task.WhenAll(first.Page.WaitForLoadStateAsync(), second.Page.WaitForLoadStateAsync());
        await Expect(first.Page.GetByTestId("hold-seat").Or(first.Page.GetByTestId("error"))).ToBeVisibleAsync();
        await Expect(second.Page.GetByTestId("hold-seat").Or(second.Page.GetByTestId("error"))).ToBeVisibleAsync();
        var winners = new List<Person>();
        foreach (var person in new[] { first, second })
        {
            await person.ScreenshotAsync("after-click");
            if (await person.Page.GetByTestId("hold-seat").CountAsync() == 1)
            {
                winners.Add(person);
            }
        }

        winners.Count.ShouldBe(1, "exactly one of the two holds seat 7");
        var loser = winners[0] == first ? second : first;
        await Expect(loser.Page.GetByTestId("error")).ToContainTextAsync("Someone else is holding or has bought this seat");
        await Expect(loser.Page.Locator("[data-testid=seat][data-seat='7']")).ToHaveAttributeAsync("data-status", "HELD");
        await Expect(loser.Page.Locator("[data-testid=seat][data-seat='7']")).ToBeDisabledAsync();
        first.Errors.Concat(second.Errors).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_short_hold_counts_down_to_zero_disables_Pay_and_the_seat_comes_back()
    {
        var system = await fixture.CustomAsync("short-holds", ShortHolds, withWeb: true);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, title: "Browser Short Hold");
        await using var person = await chromium.PersonAsync(system.WebUrl!, nameof(A_short_hold_counts_down_to_zero_disables_Pay_and_the_seat_comes_back), "eve");
        var page = person.Page;
        await person.SignUpAsync();
        await page.GotoAsync($"/Concerts/{concert.ConcertId}/Queue");
        await page.GetByTestId("join").ClickAsync();
        await page.WaitForURLAsync(new Regex("/Schedules$"));
        var seatsPath = $"/Concerts/{concert.ConcertId}/Schedules/{concert.ScheduleIds[0]}/Seats";
        await page.GotoAsync(seatsPath);
        await page.Locator("[data-testid=seat][data-seat='3']").ClickAsync();
        await Expect(page.GetByTestId("pay")).ToBeEnabledAsync();
        await person.ScreenshotAsync("hold");

        await Expect(page.GetByTestId("countdown")).ToHaveTextAsync("no time", new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("pay")).ToBeDisabledAsync();
        await person.ScreenshotAsync("hold-ran-out");

        // The countdown shows "no time" in the hold's last second (it rounds down); the seat lock's PX ends within that second.
        var seat = page.Locator("[data-testid=seat][data-seat='3']");
        await Polling.EventuallyAsync(async () =>
        {
            await page.GotoAsync(seatsPath);
            return await seat.GetAttributeAsync("data-status");
        }, status => status == "AVAILABLE", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(250));
        await Expect(seat).ToHaveAttributeAsync("data-status", "AVAILABLE");
        await Expect(page.Locator("[data-testid=seat][data-seat='3']")).ToBeEnabledAsync();
        await person.ScreenshotAsync("seat-free-again");
        person.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task At_a_phones_width_no_page_scrolls_sideways()
    {
        var concert = await TestCatalog.CreateConcertAsync(fixture.Postgres, title: "Browser Phone Width");
        await using var person = await chromium.PersonAsync(await fixture.WebAsync(), nameof(At_a_phones_width_no_page_scrolls_sideways), "fay", width: 375, height: 740);
        var page = person.Page;
        await person.SignUpAsync();
        var pages = new List<string> { "/", "/Balance", "/Reservations", $"/Concerts/{concert.ConcertId}/Queue" };
        foreach (var path in pages)
        {
            await page.GotoAsync(path);
            await AssertNoSidewaysScrollAsync(page, person, path);
        }

        await page.GetByTestId("join").ClickAsync();
        await page.WaitForURLAsync(new Regex("/Schedules$"));
        await AssertNoSidewaysScrollAsync(page, person, "schedules");
        await page.GetByTestId("pick-schedule").First.ClickAsync();
        await AssertNoSidewaysScrollAsync(page, person, "seats");
        await page.Locator("[data-testid=seat][data-seat='1']").ClickAsync();
        await Expect(page.GetByTestId("hold-seat")).ToHaveTextAsync("1");
        await AssertNoSidewaysScrollAsync(page, person, "hold");
        person.Errors.ShouldBeEmpty();
    }

    private static async Task AssertNoSidewaysScrollAsync(IPage page, Person person, string what)
    {
        await person.ScreenshotAsync(what.Trim('/').Replace('/', '-') is { Length: > 0 } step ? step : "home");
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        width.ShouldBeLessThanOrEqualTo(375, $"{what} is {width} px wide at a 375 px viewport");
    }
}
