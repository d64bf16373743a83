using Microsoft.Playwright;
using Ticketing.IntegrationTests.Support;
using static Microsoft.Playwright.Assertions;

namespace Ticketing.IntegrationTests.Browser;

/// <summary>
/// The Web's Content-Security-Policy as the browser enforces it. The other browser tests fail on any console error, a violation
/// included, so they show that nothing the pages legitimately do is blocked; this one shows that the policy is really applied.
/// </summary>
public class BrowserDefencesTests(DefaultSystem fixture, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_inline_script_put_into_a_page_does_not_run_and_the_browser_reports_the_violation()
    {
        await using var person = await chromium.PersonAsync(await fixture.WebAsync(), nameof(An_inline_script_put_into_a_page_does_not_run_and_the_browser_reports_the_violation), "gus");
        var page = person.Page;
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("brand")).ToBeVisibleAsync();
        person.Errors.ShouldBeEmpty();

        // As injected markup would: an inline <script> element added to the document.
        await page.EvaluateAsync("""
            () => {
              const script = document.createElement('script');
              script.textContent = 'window.__injected = true';
              document.body.appendChild(script);
            }
            """);

        (await page.EvaluateAsync<bool>("() => window.__injected === true")).ShouldBeFalse("the policy allows no inline script");
        await Polling.EventuallyAsync(() => Task.FromResult(person.Errors), errors => errors.Any(e => e.Contains("Content Security Policy")),
            TimeSpan.FromSeconds(5));
    }
}
