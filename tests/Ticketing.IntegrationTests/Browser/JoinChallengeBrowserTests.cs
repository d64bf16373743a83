using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Ticketing.IntegrationTests.Api;
using Ticketing.IntegrationTests.Support;
using static Microsoft.Playwright.Assertions;

namespace Ticketing.IntegrationTests.Browser;

/// <summary>
/// The join challenge as a person meets it, in Debian's chromium: ALTCHA's widget on the sign-up and join forms solves the proof of
/// work in the browser (Web Workers) when the form is sent, with no console error, under a Content-Security-Policy without
/// 'unsafe-inline', 'unsafe-eval' or blob: (the one the Web is getting, applied here to every page that carries the widget).
/// </summary>
public class JoinChallengeBrowserTests(DefaultSystem fixture, Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    /// <summary>What the widget is allowed, and no more: same-origin scripts, workers, styles and fetches (img-src data: is Bootstrap's).</summary>
    public const string StrictPolicy = "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; connect-src 'self'; "
        + "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    [Fact]
    public async Task A_person_signs_up_and_joins_while_the_browser_solves_the_challenge_under_a_strict_content_security_policy()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, title: "Challenge Browser Live");
        await using var person = await chromium.PersonAsync(system.WebUrl!,
            nameof(A_person_signs_up_and_joins_while_the_browser_solves_the_challenge_under_a_strict_content_security_policy), "cleo");
        var page = person.Page;
        var policed = new List<string>();
        await page.Context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Method != "GET" || route.Request.ResourceType != "document")
            {
                await route.ContinueAsync();
                return;
            }

            var response = await route.FetchAsync(new RouteFetchOptions { MaxRedirects = 0 });
            var body = await response.BodyAsync();
            var headers = new Dictionary<string, string>(response.Headers);
            if (headers.GetValueOrDefault("content-type", "").StartsWith("text/html") && System.Text.Encoding.UTF8.GetString(body).Contains("<altcha-widget"))
            {
                headers["content-security-policy"] = StrictPolicy;
                lock (policed) { policed.Add(new Uri(route.Request.Url).AbsolutePath); }
            }

            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Headers = headers, BodyBytes = body });
        });
        var solutions = new List<JsonNode>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.PostDataJSON() is { } form && form.TryGetProperty("ChallengeSolution", out var field))
            {
                lock (solutions) { solutions.Add(JsonNode.Parse(Convert.FromBase64String(field.GetString()!))!); }
            }
        };

        var name = ApiDriver.UniqueName("pow");
        await page.GotoAsync("/Account/SignUp");
        await Expect(page.GetByTestId("challenge-widget")).ToBeVisibleAsync();
        await page.GetByTestId("name").FillAsync(name);
        await page.GetByTestId("password").FillAsync("correct-horse-battery");
        await person.ScreenshotAsync("sign-up-form");
        var clock = Stopwatch.StartNew();
        await page.GetByTestId("submit").ClickAsync();
        await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync(name, new() { Timeout = 30_000 }); // the proof of work first: slow under load
        var signUpTook = clock.Elapsed;
        await person.ScreenshotAsync("signed-up");

        await page.GotoAsync($"/Concerts/{concert.ConcertId}/Queue");
        await Expect(page.GetByTestId("challenge-widget")).ToBeVisibleAsync();
        await person.ScreenshotAsync("join-form");
        clock.Restart();
        await page.GetByTestId("join").ClickAsync();
        await page.WaitForURLAsync(new Regex("/Schedules$")); // solved, joined and admitted at once (the line is empty)
        var joinTook = clock.Elapsed;
        await person.ScreenshotAsync("dates");

        person.Errors.ShouldBeEmpty(); // CSP violations are console errors
        policed.ShouldBe(["/Account/SignUp", $"/Concerts/{concert.ConcertId}/Queue"]);
        solutions.Count.ShouldBe(2);
        foreach (var solution in solutions)
        {
            solution["challenge"]!["parameters"]!["algorithm"]!.GetValue<string>().ShouldBe("PBKDF2/SHA-256");
            output.WriteLine($"chromium solved counter {solution["solution"]!["counter"]} at cost {solution["challenge"]!["parameters"]!["cost"]} "
                + $"in {solution["solution"]!["time"]} ms (the widget's own measure, {await page.EvaluateAsync<int>("navigator.hardwareConcurrency")} workers)");
        }

        output.WriteLine($"click to signed in: {signUpTook.TotalMilliseconds:0} ms; click to the dates: {joinTook.TotalMilliseconds:0} ms "
            + "(the widget shows 'verifying' for at least 500 ms, its minDuration)");
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM users WHERE name = @name", new { name })).ShouldBe(1);
    }

    [Fact]
    public async Task At_a_phones_width_the_forms_with_the_widget_do_not_scroll_sideways()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, title: "Challenge Phone Width");
        await using var person = await chromium.PersonAsync(system.WebUrl!, nameof(At_a_phones_width_the_forms_with_the_widget_do_not_scroll_sideways), "gus",
            width: 375, height: 740);
        var page = person.Page;

        await page.GotoAsync("/Account/SignUp");
        await Expect(page.GetByTestId("challenge-widget")).ToBeVisibleAsync();
        await person.ScreenshotAsync("sign-up");
        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375);
        await person.SignUpAsync(); // the widget solves on submit here too
        await page.GotoAsync($"/Concerts/{concert.ConcertId}/Queue");
        await Expect(page.GetByTestId("challenge-widget")).ToBeVisibleAsync();
        await person.ScreenshotAsync("join");
        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375);
        person.Errors.ShouldBeEmpty();
    }
}
