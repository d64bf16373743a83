using System.Net;
using Ticketing.Client;
using Ticketing.IntegrationTests.Api;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Web;

/// <summary>
/// The join challenge through the Web, as a client without JavaScript sees it: the forms carry ALTCHA's widget only while the
/// challenge is on, the Web relays the Api's challenges (the browser never talks to the Api), passes the form's solution on, and
/// explains a refusal in words. The widget solving in a real browser is <c>Browser/JoinChallengeBrowserTests</c>.
/// </summary>
public class JoinChallengeWebTests(DefaultSystem fixture)
{
    [Fact]
    public async Task The_sign_up_form_carries_the_widget_only_while_the_challenge_is_on()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        using var on = Browser(system.WebUrl!);
        using var off = Browser(await fixture.WebAsync());

        var page = await on.GetStringAsync("/Account/SignUp");
        page.ShouldContain("<altcha-widget challenge=\"/challenge\" name=\"ChallengeSolution\" auto=\"onsubmit\"");
        page.ShouldContain("<script type=\"module\" src=\"/js/join-challenge");
        page.ShouldContain("<link rel=\"stylesheet\" href=\"/lib/altcha/dist/external/altcha");
        (await off.GetStringAsync("/Account/SignUp")).ShouldNotContain("altcha");
    }

    [Fact]
    public async Task A_form_sent_without_the_widgets_solution_is_explained_in_words_and_creates_no_account()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        using var browser = Browser(system.WebUrl!);
        var name = ApiDriver.UniqueName("noscript");

        var page = await WebJourneyTests.SubmitAsync(browser, "/Account/SignUp", "/Account/SignUp", new() { ["Name"] = name, ["Password"] = "correct-horse-battery" });

        page.ShouldContain("quick check that you&#x27;re not a bot");
        page.ShouldContain("<altcha-widget"); // the form again, with a fresh widget
        (await TestCatalog.ScalarAsync<long>(system.Postgres, "SELECT count(*) FROM users WHERE name = @name", new { name })).ShouldBe(0);
    }

    [Fact]
    public async Task Solutions_of_the_webs_own_challenges_sign_up_and_join_through_the_forms_and_a_replay_is_explained()
    {
        var system = await ChallengeSystem.StartAsync(fixture);
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres, title: "Challenge Web Live");
        using var browser = Browser(system.WebUrl!);
        var name = ApiDriver.UniqueName("relay");

        var signedUp = await WebJourneyTests.SubmitAsync(browser, "/Account/SignUp", "/Account/SignUp",
            new() { ["Name"] = name, ["Password"] = "correct-horse-battery", ["ChallengeSolution"] = await SolveAtTheWebAsync(browser) });
        signedUp.ShouldContain($"Signed in as <strong>{name}</strong>");

        var queuePath = $"/Concerts/{concert.ConcertId}/Queue";
        (await browser.GetStringAsync(queuePath)).ShouldContain("<altcha-widget");
        var solution = await SolveAtTheWebAsync(browser);
        var joined = await WebJourneyTests.SubmitAsync(browser, queuePath, $"{queuePath}?handler=Join", new() { ["ChallengeSolution"] = solution });
        joined.ShouldContain("Challenge Web Live");
        joined.ShouldNotContain("data-testid=\"error\"");

        // Another account cannot join with the spent solution.
        using var second = Browser(system.WebUrl!);
        await WebJourneyTests.SubmitAsync(second, "/Account/SignUp", "/Account/SignUp",
            new() { ["Name"] = ApiDriver.UniqueName("relay"), ["Password"] = "correct-horse-battery", ["ChallengeSolution"] = await SolveAtTheWebAsync(second) });
        var replay = await WebJourneyTests.SubmitAsync(second, queuePath, $"{queuePath}?handler=Join", new() { ["ChallengeSolution"] = solution });
        replay.ShouldContain("ran out or was already used");
        replay.ShouldContain("data-testid=\"join\"");
    }

    // What the widget does in the browser, done here: fetch the Web's relayed challenge and solve it.
    private static async Task<string> SolveAtTheWebAsync(HttpClient browser)
    {
        var response = await browser.GetAsync("/challenge");
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        return AltchaSolver.Solve(await response.ReadJsonAsync<AltchaChallenge>()).Header;
    }

    private static HttpClient Browser(Uri web) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true }) { BaseAddress = web };
}
