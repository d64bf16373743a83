using Microsoft.Playwright;


namespace Ticketing.IntegrationTests.Browser;

/// <summary>
/// Debian's chromium driven by Microsoft.Playwright, launched by its path (no browser download: scripts/setup.sh installs the
/// apt package for ./test.sh). One browser per test class; each person in a test gets a context of their own (cookies apart).
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    /// <summary>Where Debian puts the browser (<c>apt install chromium</c>).</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Screenshots of every step of the browser tests, kept after the run: <c>artifacts/screenshots/{test}/</c> of the checkout.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(Ticketing.AppHost.Hosting.DataDirectory.RepositoryRoot, "artifacts", "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: ./test.sh installs it (apt install chromium).");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [], // chromium's sandbox refuses to run as root
        });
    }

    /// <summary>A new person at <paramref name="baseUrl"/>: their own cookies, a desktop window unless <paramref name="width"/> says otherwise.</summary>
    public async Task<Person> PersonAsync(Uri baseUrl, string test, string who, int width = 1280, int height = 900)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        return new Person(context, page, Path.Combine(ScreenshotDirectory, test), who);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>One person's browser tab: it records every console error and uncaught script error, and saves numbered screenshots.</summary>
public sealed class Person : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly string _screenshots;
    private readonly string _who;
    private readonly List<string> _errors = [];
    private int _step;

    internal Person(IBrowserContext context, IPage page, string screenshots, string who)
    {
        _context = context;
        Page = page;
        _screenshots = screenshots;
        _who = who;
        Directory.CreateDirectory(screenshots);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors) { _errors.Add($"console error at {page.Url}: {message.Text}"); }
            }
        };
        page.PageError += (_, error) => { lock (_errors) { _errors.Add($"script error at {page.Url}: {error}"); } };
    }

    public IPage Page { get; }

    /// <summary>The console and script errors seen so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) { return [.. _errors]; } }
    }

    /// <summary>Saves the page as <c>{nn}-{who}-{step}.png</c> in the test's screenshot folder.</summary>
    public Task ScreenshotAsync(string step) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_screenshots, $"{++_step:00}-{_who}-{step}.png"), FullPage = true });

    /// <summary>Signs up a new account through the form (and is signed in by it); returns the name.</summary>
    public async Task<string> SignUpAsync()
    {
        var name = Support.ApiDriver.UniqueName("pw");
        await Page.GotoAsync("/Account/SignUp");
        await Page.GetByTestId("name").FillAsync(name);
        await Page.GetByTestId("password").FillAsync("correct-horse-battery");
        await Page.GetByTestId("submit").ClickAsync();
        // Up to 30 s rather than Playwright's 5: with the join challenge on, the browser solves a proof of work first, and on a
        // 2-core machine under the whole suite's load that took longer than 5 s once.
        await Assertions.Expect(Page.GetByTestId("signed-in-as")).ToContainTextAsync(name, new() { Timeout = 30_000 });
        return name;
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
