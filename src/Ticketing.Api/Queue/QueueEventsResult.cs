using System.Buffers;
using System.IO.Pipelines;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Ticketing.Api.Infrastructure;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Queue;

/// <summary>
/// The 200 answer of <c>GET /api/concerts/{concertId}/queue/events</c>: a <c>text/event-stream</c> (the HTML standard's
/// server-sent events) of one queue token's states, written as they come from <see cref="QueueEventStream"/>:
/// <code>
/// event: status
/// data: {"status":"WAITING","position":41,"estimatedWaitSeconds":5,"activeUntil":null,"opensAt":null}
///
/// : keep-alive
///
/// </code>
/// The data is the polling route's JSON (<see cref="QueueStatusResponse"/>). The first event is sent at once; the stream ends
/// after the ACTIVE event (the caller goes on to the [active] routes, whose requests keep the pass alive — a stream left open
/// would otherwise hold the slot for nobody) or the EXPIRED one, when the client goes away, or when the Api shuts down (an
/// <c>EventSource</c> then reconnects, to another replica if there is one).
/// </summary>
/// <remarks>
/// ASP.NET Core 10's <c>TypedResults.ServerSentEvents</c> writes events only, never comments, so the keep-alive comment the
/// standard recommends against proxies that drop idle connections could not be sent through it; the framing here is the
/// standard's (<c>event:</c>/<c>data:</c> lines, a blank line after each event, <c>:</c> for a comment).
/// </remarks>
public sealed class QueueEventsResult(QueueEventStream stream, QueueStatusResponse first) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    /// <summary>The media type of the stream.</summary>
    public const string ContentType = "text/event-stream";

    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    /// <inheritdoc />
    public int? StatusCode => StatusCodes.Status200OK;

    string? IContentTypeHttpResult.ContentType => ContentType;

    /// <summary>Writes the stream until it ends; disposes the <see cref="QueueEventStream"/>.</summary>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        using var _ = stream;
        var logger = httpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(QueueEventsResult));
        var stopping = httpContext.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, stopping);

        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        // Reverse proxies that buffer responses (nginx) pass this one through as it is written.
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        ForgetCredentials(httpContext);

        QueueMetrics.Streams.Add(1);
        logger.LogDebug("Stream of token {TokenId} opened: {Status} {Position}", stream.TokenId, first.Status, first.Position);
        try
        {
            if (!await WriteAsync(response.BodyWriter, first, ended.Token) || first.IsFinal)
            {
                return;
            }

            await foreach (var update in stream.Updates.ReadAllAsync(ended.Token))
            {
                if (update is null)
                {
                    response.BodyWriter.Write(KeepAlive);
                    if ((await response.BodyWriter.FlushAsync(ended.Token)).IsCompleted)
                    {
                        return;
                    }
                }
                else if (!await WriteAsync(response.BodyWriter, update, ended.Token) || update.IsFinal)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The client went away or the Api is stopping.
        }
        finally
        {
            QueueMetrics.Streams.Add(-1);
            logger.LogDebug("Stream of token {TokenId} closed", stream.TokenId);
        }
    }

    /// <summary>
    /// Drops what the request no longer needs once its stream is open, for as long as it stays open (minutes, for thousands of
    /// people at once): the signed-in user (claims, the parsed access token behind them, the authentication result) and the two
    /// token headers. Authentication, authorization, the rate limit and the pass were all decided before; nothing after this
    /// reads them. About 5 KiB of each open stream's memory was theirs (a heap dump of 5,000 open streams: 14 claims, their
    /// property dictionaries and the JsonWebToken per stream), and the tokens no longer sit in memory for the stream's life.
    /// </summary>
    public static void ForgetCredentials(HttpContext httpContext)
    {
        httpContext.User = Anonymous;
        httpContext.Features.Set<IAuthenticateResultFeature>(null);
        httpContext.Request.Headers.Authorization = default;
        httpContext.Request.Headers.Remove(IQueuePassValidator.HeaderName);
    }

    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());

    // One status event; false when the client has gone.
    private static async Task<bool> WriteAsync(PipeWriter writer, QueueStatusResponse status, CancellationToken cancellationToken)
    {
        writer.Write("event: status\ndata: "u8);
        using (var json = new Utf8JsonWriter(writer))
        {
            JsonSerializer.Serialize(json, status, ApiJson.Options);
        }

        writer.Write("\n\n"u8);
        return !(await writer.FlushAsync(cancellationToken)).IsCompleted;
    }
}
