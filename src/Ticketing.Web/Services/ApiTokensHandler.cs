using System.Net.Http.Headers;
using Microsoft.AspNetCore.HttpOverrides;
using Ticketing.Client;

namespace Ticketing.Web.Services;

/// <summary>
/// Puts the caller's tokens on every request the Web sends through <see cref="ITicketingApi"/>, so pages never pass
/// them: <c>Authorization: Bearer</c> from the signed-in user's access-token claim, and <c>X-Queue-Token</c> from
/// <see cref="UserSession.QueueTokenInPlay"/> (the pass of the concert in the page's route). A request with no page
/// behind it, or an anonymous one, goes out without them. Transport failures are logged here and then surface as
/// <c>SERVICE_UNAVAILABLE</c> through <see cref="ApiProblemExtensions.Problem"/>.
/// Every request with a page behind it also carries <c>X-Forwarded-For</c> with the browser's address (the page request's remote
/// address, after the Web's own forwarded-headers step when a trusted proxy is in front), so the Api's per-client rate limits,
/// which believe forwarded headers from the Web (loopback), count browsers rather than the Web.
/// </summary>
/// <remarks>
/// IHttpClientFactory builds handlers in a DI scope of its own and keeps them for minutes across many page requests,
/// so the page's request is found through <see cref="IHttpContextAccessor"/> (an async-local) on each send, never
/// through scoped services or fields.
/// </remarks>
public sealed class ApiTokensHandler(IHttpContextAccessor httpContextAccessor, ILogger<ApiTokensHandler> logger) : DelegatingHandler
{
    /// <summary>Attaches the tokens of the current page request, then sends.</summary>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Set, not added: a resilience retry sends the same request message through here again.
        request.Headers.Remove(ApiContract.Headers.QueueToken);
        request.Headers.Remove(ForwardedHeadersDefaults.XForwardedForHeaderName);
        if (httpContextAccessor.HttpContext is { } http)
        {
            if (http.Connection.RemoteIpAddress is { } browser)
            {
                request.Headers.TryAddWithoutValidation(ForwardedHeadersDefaults.XForwardedForHeaderName,
                    (browser.IsIPv4MappedToIPv6 ? browser.MapToIPv4() : browser).ToString());
            }

            request.Headers.Authorization = UserSession.AccessTokenOf(http.User) is { } accessToken
                ? new AuthenticationHeaderValue("Bearer", accessToken)
                : null;
            if (UserSession.QueueTokenInPlay(http) is { } queueToken)
            {
                request.Headers.TryAddWithoutValidation(ApiContract.Headers.QueueToken, queueToken);
            }
        }

        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when ((ex is HttpRequestException or OperationCanceledException)
            && httpContextAccessor.HttpContext?.RequestAborted.IsCancellationRequested != true)
        {
            // A timeout or a refused connection, not the person closing the page.
            logger.LogWarning(ex, "Api call {Method} {Path} failed", request.Method, request.RequestUri?.AbsolutePath);
            throw;
        }
    }
}
