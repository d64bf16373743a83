using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Ticketing.AppHost.Hosting;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Web;

/// <summary>
/// The Web's defences on the default system, whose Web runs in Development as under <c>./run.sh</c> (plain http on 127.0.0.1):
/// security headers on every kind of response, HttpOnly cookies that are Secure only when the request was, forwarded headers
/// ignored while no proxy is trusted, and sign-out ending the session on the server.
/// </summary>
public class WebDefencesTests(DefaultSystem system)
{
    [Fact]
    public async Task Every_kind_of_response_of_the_Web_carries_the_security_headers()
    {
        using var browser = new RawBrowser(await system.WebAsync());

        var page = await browser.GetAsync("/");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        ShouldCarryTheSecurityHeaders(page, "a page");

        var staticFile = await browser.GetAsync("/css/site.css");
        staticFile.StatusCode.ShouldBe(HttpStatusCode.OK);
        ShouldCarryTheSecurityHeaders(staticFile, "a static file");

        var notFound = await browser.GetAsync("/no-such-page");
        notFound.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await notFound.Content.ReadAsStringAsync()).ShouldContain("We couldn't find that page.");
        ShouldCarryTheSecurityHeaders(notFound, "the 404 page");

        var toSignIn = await browser.GetAsync("/Balance");
        toSignIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        toSignIn.Headers.Location!.ToString().ShouldContain("/Account/SignIn");
        ShouldCarryTheSecurityHeaders(toSignIn, "the redirect to sign-in");

        var refused = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/Account/SignIn")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Name"] = "x", ["Password"] = "y" }), // no anti-forgery token
        });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ShouldCarryTheSecurityHeaders(refused, "the error page of a refused form");
    }

    [Fact]
    public async Task In_Development_cookies_are_HttpOnly_and_a_forwarded_https_from_an_untrusted_sender_does_not_make_them_Secure()
    {
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        using var browser = new RawBrowser(await system.WebAsync());
        browser.Headers["X-Forwarded-Proto"] = "https"; // nobody is a trusted proxy here: ignored

        await SignUpAsync(browser);
        var queue = $"/Concerts/{concert.ConcertId}/Queue";
        (await browser.SubmitAsync(queue, $"{queue}?handler=Join", [])).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        foreach (var cookie in new[] { ".AspNetCore.Antiforgery.", "ticketing.session=", $"qt_{concert.ConcertId:N}=", $"qp_{concert.ConcertId:N}=" })
        {
            var line = browser.LastSetCookie(cookie);
            line.ShouldContain("httponly", customMessage: cookie);
            line.ShouldNotContain("secure", customMessage: $"{cookie}: plain http in Development");
        }

        browser.LastSetCookie("ticketing.session=").ShouldContain("samesite=lax");
        (await browser.GetAsync("/")).Headers.Contains("Strict-Transport-Security").ShouldBeFalse("no HSTS in Development");
    }

    [Fact]
    public async Task After_sign_out_a_copy_of_the_old_session_cookie_is_signed_out()
    {
        var web = await system.WebAsync();
        using var person = new RawBrowser(web);
        await SignUpAsync(person);
        using var thief = new RawBrowser(web);
        thief.Cookies["ticketing.session"] = person.Cookies["ticketing.session"];
        (await thief.GetAsync("/Balance")).StatusCode.ShouldBe(HttpStatusCode.OK, "the copy works while the session lasts");

        var signedOut = await person.SubmitAsync("/", "/Account/SignOut", []);
        signedOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        person.Cookies.ShouldNotContainKey("ticketing.session");

        var replayed = await thief.GetAsync("/Balance");
        replayed.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        replayed.Headers.Location!.ToString().ShouldContain("/Account/SignIn");
        (await (await thief.GetAsync("/")).Content.ReadAsStringAsync()).ShouldNotContain("data-testid=\"signed-in-as\"");
    }

    /// <summary>Signs a new account up through the form; returns its name.</summary>
    internal static async Task<string> SignUpAsync(RawBrowser browser)
    {
        var name = ApiDriver.UniqueName("def");
        var signedUp = await browser.SubmitAsync("/Account/SignUp", "/Account/SignUp", new() { ["Name"] = name, ["Password"] = "correct-horse-battery" });
        signedUp.StatusCode.ShouldBe(HttpStatusCode.Redirect, await signedUp.Content.ReadAsStringAsync());
        browser.Cookies.ShouldContainKey("ticketing.session");
        return name;
    }

    /// <summary>The headers <c>Security/SecurityHeaders.cs</c> of the Web sets on every response.</summary>
    internal static void ShouldCarryTheSecurityHeaders(HttpResponseMessage response, string what)
    {
        var policy = response.Headers.GetValues("Content-Security-Policy").ShouldHaveSingleItem(what);
        foreach (var directive in new[] { "default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'" })
        {
            policy.ShouldContain(directive, customMessage: what);
        }

        policy.ShouldNotContain("unsafe-inline", customMessage: what);
        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"], what);
        response.Headers.GetValues("Referrer-Policy").ShouldBe(["same-origin"], what);
        response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"], what);
    }
}

/// <summary>
/// A system of its own whose Web runs outside Development (<c>ASPNETCORE_ENVIRONMENT=Production</c>) and trusts 127.0.0.1 as
/// its TLS proxy (<c>Ticketing__Web__TrustedProxies</c>), as a deployment behind a load balancer would, with a durable Redis.
/// </summary>
public sealed class WebBehindProxySystem(DefaultSystem fixture) : IAsyncLifetime
{
    private TestSystem? _system;

    public TestSystem System => _system ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync() =>
        _system = await TestSystem.StartAsync("web-proxy", new Dictionary<string, string> { ["Ticketing__Web__TrustedProxies"] = "127.0.0.1" },
            postgresOf: fixture.System, withWeb: true,
            configure: builder =>
            {
                builder.CreateResourceBuilder<ProjectResource>("web").WithEnvironment("ASPNETCORE_ENVIRONMENT", "Production");
                foreach (var redis in builder.Resources.OfType<RedisServerResource>())
                {
                    redis.Durable = true; // the sessions outlive a restart of Redis, as under ./run.sh
                }
            });

    public async ValueTask DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }
    }
}

/// <summary>The Web outside Development behind a trusted TLS proxy: Secure cookies, HSTS, and what happens while Redis is away.</summary>
public class WebBehindProxyTests(WebBehindProxySystem fixture) : IClassFixture<WebBehindProxySystem>
{
    [Fact]
    public async Task Outside_Development_every_cookie_of_the_Web_is_Secure_and_HttpOnly()
    {
        var system = fixture.System;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        using var browser = new RawBrowser(system.WebUrl!); // plain http: the cookies are sent back by hand, as the proxy would

        await WebDefencesTests.SignUpAsync(browser);
        var queue = $"/Concerts/{concert.ConcertId}/Queue";
        (await browser.SubmitAsync(queue, $"{queue}?handler=Join", [])).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        foreach (var cookie in new[] { ".AspNetCore.Antiforgery.", "ticketing.session=", $"qt_{concert.ConcertId:N}=", $"qp_{concert.ConcertId:N}=" })
        {
            var line = browser.LastSetCookie(cookie);
            line.ShouldContain("secure", customMessage: cookie);
            line.ShouldContain("httponly", customMessage: cookie);
        }

        browser.LastSetCookie("ticketing.session=").ShouldContain("samesite=lax");
    }

    [Fact]
    public async Task Behind_a_trusted_TLS_proxy_https_requests_get_HSTS_and_plain_http_ones_do_not()
    {
        using var browser = new RawBrowser(fixture.System.WebUrl!);
        browser.Headers["Host"] = "tickets.example.test"; // HSTS is never sent to localhost or 127.0.0.1

        var plain = await browser.GetAsync("/");
        plain.StatusCode.ShouldBe(HttpStatusCode.OK);
        plain.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();

        browser.Headers["X-Forwarded-Proto"] = "https";
        var overTls = await browser.GetAsync("/");
        overTls.StatusCode.ShouldBe(HttpStatusCode.OK);
        overTls.Headers.GetValues("Strict-Transport-Security").ShouldHaveSingleItem().ShouldStartWith("max-age=");
        WebDefencesTests.ShouldCarryTheSecurityHeaders(overTls, "a page over TLS");
    }

    [Fact]
    public async Task While_Redis_is_away_a_person_is_signed_out_nobody_is_signed_in_and_the_session_is_back_with_Redis()
    {
        var system = fixture.System;
        using var browser = new RawBrowser(system.WebUrl!);
        await WebDefencesTests.SignUpAsync(browser);
        var redis = system.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "redis");
        (await system.App.ResourceCommands.ExecuteCommandAsync(redis, KnownResourceCommands.StopCommand)).Success.ShouldBeTrue();
        try
        {
            var toSignIn = await browser.GetAsync("/Balance");
            toSignIn.StatusCode.ShouldBe(HttpStatusCode.Redirect, "the session cannot be read: signed out, never let in");
            toSignIn.Headers.Location!.ToString().ShouldContain("/Account/SignIn");

            // Whichever fails first — the Api (its sign-in throttle is in Redis) or the Web's session store (the error page) —
            // nobody is signed in, and the answer carries the security headers.
            using var newcomer = new RawBrowser(system.WebUrl!);
            var refused = await newcomer.SubmitAsync("/Account/SignUp", "/Account/SignUp",
                new() { ["Name"] = ApiDriver.UniqueName("def"), ["Password"] = "correct-horse-battery" });
            refused.StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.InternalServerError);
            newcomer.Cookies.ShouldNotContainKey("ticketing.session");
            WebDefencesTests.ShouldCarryTheSecurityHeaders(refused, "the answer to a sign-up while Redis is away");
        }
        finally
        {
            (await system.App.ResourceCommands.ExecuteCommandAsync(redis, KnownResourceCommands.StartCommand)).Success.ShouldBeTrue();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await system.App.ResourceNotifications.WaitForResourceHealthyAsync("redis", timeout.Token);
        }

        // Redis kept the session (its append-only file): the same cookie is signed in again.
        await Polling.EventuallyAsync(async () => (await browser.GetAsync("/Balance")).StatusCode, status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
    }
}
