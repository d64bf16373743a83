namespace Ticketing.Web.Security;

/// <summary>
/// The security headers of every response of the Web — pages, static files, redirects, error pages, the waiting room's event
/// stream — and the one place where the Content-Security-Policy is written (CSP Level 3, W3C). A page that needs more than the
/// policy allows gets a source added to its directive below, never <c>'unsafe-inline'</c> or <c>'unsafe-eval'</c> on
/// <c>script-src</c>: a page's script is a file under <c>wwwroot/js</c> that reads its inputs from <c>data-*</c> attributes.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The policy, one directive per entry (what each allows, and which page needs it). Every source is this origin's own:
    /// the Web serves its scripts, styles and Bootstrap itself and talks to nothing else from the browser.
    /// </summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> ContentSecurityPolicyDirectives =
    [
        new("default-src", "'self'"),
        // Bootstrap's bundle, waiting-room.js, hold-countdown.js, sales-refresh.js, join-challenge.js and the ALTCHA widget it
        // imports (lib/altcha). No inline script, no eval.
        new("script-src", "'self'"),
        // bootstrap.min.css, site.css, ALTCHA's altcha.css. No style="" attributes or <style> elements either (Razor renders
        // none; scripts set element.style, which CSP allows).
        new("style-src", "'self'"),
        // favicon.svg; Bootstrap's CSS draws the menu toggler, select arrows and checkboxes as data: SVG images.
        new("img-src", "'self' data:"),
        new("font-src", "'self'"),
        // The waiting room's EventSource (?handler=Events) and its fallback poll (?handler=Status); the organiser's sales
        // refresh (?handler=Sales); the ALTCHA widget's challenge (/challenge). All on the Web itself: the browser never calls
        // the Api.
        new("connect-src", "'self'"),
        // Web Workers: the join challenge's ALTCHA widget (altcha 3.2.2, its external build in lib/altcha) solves in a PBKDF2
        // worker that js/join-challenge.js starts from lib/altcha/dist/workers/pbkdf2.js, a file of the Web. Its default bundle
        // would need more (checked in Chromium under this policy): blob: here for its workers, and, since it injects a <style>,
        // either a <link id="altcha-css" rel="stylesheet"> to its stylesheet ahead of it or 'unsafe-inline' on style-src.
        // Its ARGON2ID and SCRYPT workers compile WebAssembly, which would need 'wasm-unsafe-eval' on script-src.
        new("worker-src", "'self'"),
        new("object-src", "'none'"),
        new("base-uri", "'self'"),
        // Every form posts to the Web; a redirect after a post stays on it too (Chrome checks redirects against form-action).
        new("form-action", "'self'"),
        // No page of the Web may be framed (clickjacking); X-Frame-Options says the same to browsers without CSP Level 2.
        new("frame-ancestors", "'none'"),
    ];

    /// <summary>The <c>Content-Security-Policy</c> header value built from <see cref="ContentSecurityPolicyDirectives"/>.</summary>
    public static readonly string ContentSecurityPolicy =
        string.Join("; ", ContentSecurityPolicyDirectives.Select(d => $"{d.Key} {d.Value}"));

    /// <summary>
    /// <c>Referrer-Policy</c>: <c>same-origin</c>, stricter than browsers' default <c>strict-origin-when-cross-origin</c>: the
    /// Web's own pages see the full referring URL, another site sees none (the Web links to no other site, and nothing reads
    /// the header).
    /// </summary>
    public const string ReferrerPolicy = "same-origin";

    /// <summary>
    /// Adds <c>Content-Security-Policy</c>, <c>X-Content-Type-Options: nosniff</c>, <c>Referrer-Policy</c> and
    /// <c>X-Frame-Options: DENY</c> to every response that passes this point. They are set when the response starts
    /// (<see cref="HttpResponse.OnStarting(Func{Task})"/>), so the exception handler clearing the response for the error page, the
    /// status-code pages and redirects keep them. Call it before everything that can answer.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var response = context.Response;
            response.OnStarting(() =>
            {
                var headers = response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = ReferrerPolicy;
                headers.XFrameOptions = "DENY";
                return Task.CompletedTask;
            });
            return next(context);
        });
}
