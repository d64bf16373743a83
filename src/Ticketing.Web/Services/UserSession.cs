using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Ticketing.Client;

namespace Ticketing.Web.Services;

/// <summary>
/// The signed-in person: a session (ASP.NET Core cookie authentication, its ticket kept server-side in Redis by
/// <see cref="Security.DistributedCacheTicketStore"/>, the cookie carrying only its key) holding the
/// Api access token and the person's roles as claims, and per concert two HttpOnly cookies: that waiting room's queue token, and the position the
/// person joined at (the waiting room's progress bar starts there).
/// </summary>
public static class UserSession
{
    /// <summary>Claim that carries the Api access token.</summary>
    public const string AccessTokenClaim = "access_token";

    /// <summary>
    /// The authorization policy of the organiser pages (<c>Pages/Organiser</c>): a <see cref="ClaimTypes.Role"/> claim
    /// <see cref="ApiContract.Roles.Organiser"/>, copied from <c>GET /api/users/me</c> at sign-in. The Api checks the role again on
    /// every <c>/api/admin</c> call (403 <c>FORBIDDEN</c>), so a cookie that outlives a change of the organiser list opens no more
    /// than the pages.
    /// </summary>
    public const string OrganiserPolicy = "Organiser";

    /// <summary>
    /// Signs in with <paramref name="token"/>: asks the Api who the token belongs to (<c>GET /api/users/me</c>) and keeps the
    /// name as registered, the token and the roles in the cookie, which lasts as long as the token. Returns the Api's problem
    /// (nobody is signed in then), or null.
    /// </summary>
    public static async Task<ApiProblem?> SignInAsync(HttpContext http, ITicketingApi api, AccessTokenResponse token)
    {
        // ApiTokensHandler sends the token of HttpContext.User, and the cookie only sets it from the next request on.
        http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(AccessTokenClaim, token.AccessToken)], CookieAuthenticationDefaults.AuthenticationScheme));
        var me = await api.GetCurrentUserAsync(http.RequestAborted);
        if (me.Problem() is { } problem)
        {
            http.User = new ClaimsPrincipal(new ClaimsIdentity());
            return problem;
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, me.Content!.Name),
                new Claim(AccessTokenClaim, token.AccessToken),
                .. me.Content.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        http.User = new ClaimsPrincipal(identity);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, http.User,
            new AuthenticationProperties { ExpiresUtc = token.ExpiresAt, IsPersistent = true });
        return null;
    }

    /// <summary>Signs out (the session is removed from the store: a copy of the cookie no longer signs anyone in) and forgets every queue token.</summary>
    public static async Task SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        foreach (var cookie in http.Request.Cookies.Keys.Where(k => k.StartsWith("qt_", StringComparison.Ordinal) || k.StartsWith("qp_", StringComparison.Ordinal)))
        {
            http.Response.Cookies.Delete(cookie);
        }
    }

    /// <summary>The Api access token of the signed-in user, or null.</summary>
    public static string? AccessTokenOf(ClaimsPrincipal user) => user.FindFirstValue(AccessTokenClaim);

    /// <summary>
    /// The queue token kept for <paramref name="concertId"/>, or null: the one set or cleared earlier in this request
    /// (kept in <see cref="HttpContext.Items"/>, since a response cookie is only read back on the next request), else the
    /// request's cookie.
    /// </summary>
    public static string? QueueToken(HttpContext http, Guid concertId) =>
        http.Items.TryGetValue(CookieName(concertId), out var inThisRequest) ? inThisRequest as string : http.Request.Cookies[CookieName(concertId)];

    /// <summary>
    /// The queue token of the concert in play: the <c>concertId</c> of the page's route (every concert page has one), or null
    /// on pages without a concert. <see cref="ApiTokensHandler"/> sends it as <c>X-Queue-Token</c>.
    /// </summary>
    public static string? QueueTokenInPlay(HttpContext http) =>
        http.GetRouteValue("concertId") is { } value && Guid.TryParse(value.ToString(), out var concertId) ? QueueToken(http, concertId) : null;

    /// <summary>
    /// Keeps <paramref name="token"/> as the queue token for <paramref name="concertId"/> (HttpOnly, SameSite=Lax, 1 day), and
    /// <paramref name="position"/> as the position joined at, unless one is kept already for this token (a repeated join
    /// answers the same token with a smaller position: the progress bar keeps its start). A null position (a pre-queue join, which
    /// has no place before the draw) keeps none; <see cref="KeepStartPosition"/> keeps the first one seen later.
    /// </summary>
    public static void SetQueueToken(HttpContext http, Guid concertId, string token, long? position)
    {
        if (position is { } start && (QueueToken(http, concertId) != token || StartPosition(http, concertId) is null))
        {
            KeepStartPosition(http, concertId, start);
        }
        else if (position is null && QueueToken(http, concertId) != token)
        {
            http.Response.Cookies.Delete(StartCookieName(concertId));
        }

        http.Items[CookieName(concertId)] = token;
        Append(http, CookieName(concertId), token);
    }

    /// <summary>Keeps <paramref name="position"/> as where the progress bar of <paramref name="concertId"/>'s line starts.</summary>
    public static void KeepStartPosition(HttpContext http, Guid concertId, long position) =>
        Append(http, StartCookieName(concertId), position.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The position the person joined <paramref name="concertId"/>'s line at, or null when not known.</summary>
    public static long? StartPosition(HttpContext http, Guid concertId) =>
        long.TryParse(http.Request.Cookies[StartCookieName(concertId)], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var start)
            ? start
            : null;

    /// <summary>Forgets the queue token for <paramref name="concertId"/> (and its start position), from the rest of this request on too.</summary>
    public static void ClearQueueToken(HttpContext http, Guid concertId)
    {
        http.Items[CookieName(concertId)] = null;
        http.Response.Cookies.Delete(CookieName(concertId));
        http.Response.Cookies.Delete(StartCookieName(concertId));
    }

    private static void Append(HttpContext http, string name, string value) =>
        http.Response.Cookies.Append(name, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            IsEssential = true,
            MaxAge = TimeSpan.FromDays(1),
        });

    private static string CookieName(Guid concertId) => $"qt_{concertId:N}";

    private static string StartCookieName(Guid concertId) => $"qp_{concertId:N}";
}
