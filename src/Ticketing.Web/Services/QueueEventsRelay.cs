using System.Buffers;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Ticketing.Client;

namespace Ticketing.Web.Services;

/// <summary>
/// Relays the Api's live status stream (<see cref="ApiContract.QueueEvents"/>) of the signed-in person's queue token to the browser,
/// which never talks to the Api and never sees its tokens: the request goes out through <see cref="ApiTokensHandler"/> (access
/// token from the session, queue token from the concert's cookie, the browser's address as <c>X-Forwarded-For</c>), and the answer's bytes are passed on as they arrive, events and
/// keep-alive comments alike. A typed client of its own (see <see cref="QueueEventsRelayExtensions.AddQueueEventsRelay"/>): no resilience handler (its 30 s
/// total timeout would cut the stream, and a stream is not retried but reopened by the browser's <c>EventSource</c>), no timeout,
/// service discovery as every client has.
/// </summary>
public sealed class QueueEventsRelay(HttpClient http, ILogger<QueueEventsRelay> logger)
{
    /// <summary>
    /// Answers the current request with the stream of <paramref name="concertId"/>, until the Api ends it or the browser goes away.
    /// Without a queue token for the concert: 204 (an <c>EventSource</c> stops, it does not reconnect). When the Api refuses (a
    /// queue-token problem, 401 after the session ran out): the Api's status and problem body, so the page's fallback poll explains
    /// it. Api unreachable: 503.
    /// </summary>
    public async Task RelayAsync(HttpContext context, Guid concertId)
    {
        var aborted = context.RequestAborted;
        if (UserSession.QueueToken(context, concertId) is null)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, ApiContract.QueueEvents.Path(concertId));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ApiContract.QueueEvents.EventStreamMediaType));
        HttpResponseMessage upstream;
        try
        {
            upstream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, aborted);
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "The Api's stream of concert {ConcertId} could not be opened", concertId);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        using (upstream)
        {
            var response = context.Response;
            response.StatusCode = (int)upstream.StatusCode;
            response.ContentType = upstream.Content.Headers.ContentType?.ToString();
            if (upstream.Content.Headers.ContentType?.MediaType == ApiContract.QueueEvents.EventStreamMediaType)
            {
                response.Headers.CacheControl = "no-cache";
                response.Headers["X-Accel-Buffering"] = "no";
                context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
            }

            await using var body = await upstream.Content.ReadAsStreamAsync(aborted);
            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, aborted)) > 0)
                {
                    await response.Body.WriteAsync(buffer.AsMemory(0, read), aborted);
                    await response.Body.FlushAsync(aborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException && aborted.IsCancellationRequested)
            {
                // The browser went away (a new page, a closed tab); disposing the upstream response closes the Api's stream.
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                // The Api went away mid-stream (a restart): the browser's EventSource reconnects by itself.
                logger.LogInformation(ex, "The Api's stream of concert {ConcertId} broke off", concertId);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}

/// <summary>Registration of <see cref="QueueEventsRelay"/>.</summary>
public static class QueueEventsRelayExtensions
{
    /// <summary>
    /// Registers the relay's typed client: base address <c>http://api</c> (service discovery), <see cref="ApiTokensHandler"/>, no
    /// resilience handlers (Microsoft.Extensions.Http.Resilience's <c>RemoveAllResilienceHandlers</c> takes off the standard handler
    /// that <c>ConfigureHttpClientDefaults</c> gives every client) and an infinite timeout.
    /// </summary>
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked "for evaluation" in 10.x; it is the documented way to exempt one client.
    public static IHttpClientBuilder AddQueueEventsRelay(this IServiceCollection services) =>
        services.AddHttpClient<QueueEventsRelay>(client =>
            {
                client.BaseAddress = TicketingApiClient.DefaultBaseAddress;
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .RemoveAllResilienceHandlers()
            .AddHttpMessageHandler<ApiTokensHandler>();
#pragma warning restore EXTEXP0001
}
