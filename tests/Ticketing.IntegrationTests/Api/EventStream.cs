using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using Ticketing.Client;

namespace Ticketing.IntegrationTests.Api;

/// <summary>One item of a <c>text/event-stream</c>: an event (<see cref="Event"/> and <see cref="Data"/>) or a comment.</summary>
public sealed record StreamItem(string? Event, string? Data, string? Comment);

/// <summary>
/// A live <c>text/event-stream</c> response read line by line as it arrives (HttpClient with ResponseHeadersRead, no parser
/// that would hide comments), so a test sees every event and every keep-alive comment exactly as sent. A pump reads the
/// response into a queue, so waiting for an item with a timeout never cancels a read of the connection itself.
/// </summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly Channel<StreamItem> _items = Channel.CreateUnbounded<StreamItem>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    private EventStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>
    /// Sends <paramref name="request"/> and returns the open stream, after asserting 200 <c>text/event-stream</c>; any other answer
    /// fails with its body.
    /// </summary>
    public static async Task<EventStream> OpenAsync(HttpClient http, HttpRequestMessage request)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new ShouldAssertException($"{request.RequestUri} answered {(int)response.StatusCode} {response.Content.Headers.ContentType}, expected a stream: {body}");
        }

        return new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>A request for the Api's stream of <paramref name="concertId"/> with the given tokens (null: not sent).</summary>
    public static HttpRequestMessage ApiRequest(Guid concertId, string? accessToken, string? queueToken, bool queueTokenInQuery = false)
    {
        var path = $"/api/concerts/{concertId}/queue/events";
        if (queueTokenInQuery && queueToken is not null)
        {
            path += $"?queueToken={Uri.EscapeDataString(queueToken)}";
        }

        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (queueToken is not null && !queueTokenInQuery)
        {
            request.Headers.Add(ApiContract.Headers.QueueToken, queueToken);
        }

        return request;
    }

    /// <summary>The response headers, for the tests of the stream's own headers.</summary>
    public HttpResponseMessage Response => _response;

    /// <summary>The next event or comment; fails when none is complete within <paramref name="timeout"/> or the stream ends.</summary>
    public async Task<StreamItem> NextAsync(TimeSpan timeout) =>
        await TryNextAsync(timeout) ?? throw new ShouldAssertException("The stream ended; expected another item.");

    /// <summary>The next status event's data, skipping keep-alive comments; fails after <paramref name="timeout"/>.</summary>
    public async Task<QueueState> NextStatusAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var item = await NextAsync(deadline - DateTime.UtcNow);
            if (item.Comment is not null)
            {
                item.Comment.ShouldBe("keep-alive");
                continue;
            }

            item.Event.ShouldBe("status", $"data: {item.Data}");
            return JsonSerializer.Deserialize<QueueState>(item.Data!, JsonSerializerOptions.Web)!;
        }
    }

    /// <summary>Asserts that the server ends the stream within <paramref name="timeout"/> (comments before the end are allowed, events are not).</summary>
    public async Task ShouldEndAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await TryNextAsync(deadline - DateTime.UtcNow) is { } item)
        {
            item.Comment.ShouldNotBeNull($"expected the end of the stream, got event {item.Event}: {item.Data}");
        }
    }

    /// <summary>Asserts that nothing but keep-alive comments arrives for <paramref name="period"/>, and the stream stays open.</summary>
    public async Task ShouldStayQuietAsync(TimeSpan period)
    {
        using var quiet = new CancellationTokenSource(period);
        try
        {
            while (true)
            {
                (await ReadAsync(quiet.Token)).ShouldNotBeNull("the stream ended").Comment.ShouldNotBeNull("expected no event");
            }
        }
        catch (OperationCanceledException) when (quiet.IsCancellationRequested)
        {
            // Quiet for the whole period.
        }
    }

    private async Task<StreamItem?> TryNextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1));
        try
        {
            return await ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new ShouldAssertException($"Nothing arrived on the stream within {timeout.TotalSeconds:0.#} s.");
        }
    }

    // The next item from the pump; null once the stream has ended.
    private async Task<StreamItem?> ReadAsync(CancellationToken cancellationToken) =>
        await _items.Reader.WaitToReadAsync(cancellationToken) && _items.Reader.TryRead(out var item) ? item : null;

    // Items are lines up to a blank line (the event stream format of the HTML standard).
    private async Task PumpAsync()
    {
        try
        {
            string? eventName = null, data = null, comment = null;
            while (await _reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (eventName is not null || data is not null || comment is not null)
                    {
                        _items.Writer.TryWrite(new StreamItem(eventName, data, comment));
                    }

                    eventName = data = comment = null;
                }
                else if (line.StartsWith(':'))
                {
                    comment = line[1..].TrimStart();
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    eventName = line["event:".Length..].TrimStart();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    var value = line["data:".Length..].TrimStart();
                    data = data is null ? value : data + "\n" + value;
                }
            }

            _items.Writer.TryComplete();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
        {
            _items.Writer.TryComplete(); // closed by the test, or the connection dropped: either way the stream has ended
        }
    }

    /// <summary>
    /// Closes the stream: cancels the pump's pending read first (which aborts the connection), and only then disposes the
    /// response. Disposing a response while another thread reads its body is a race HttpClient does not support: the
    /// connection could go back to the pool with the stream's last chunk (<c>0\r\n\r\n</c>) unread, and the next request on
    /// it then failed with "invalid status line: '0'".
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _response.Dispose();
        _reader.Dispose();
        _stop.Dispose();
    }
}
